// Settings messages (Kratos text/message_settings.go): 1050xxx info, 4050xxx errors.
import { flowExpired, uiText } from './message.ts';

export const settingsText = {
  settingsSaved: () => uiText(1050001, 'Your changes have been saved!', 'success'),
  // Numbered among the 4010xxx "no strategy" family (Kratos text/id.go), not 4050xxx.
  settingsNoStrategy: () =>
    uiText(
      4010004,
      'Could not find a strategy to update your settings. Did you fill out the form correctly?',
      'error',
    ),
  settingsFlowExpired: (at: Date, now: Date) => flowExpired(4050001, 'settings', at, now),
};
