// Settings messages (Kratos text/message_settings.go): 1050xxx info, 4050xxx errors.
import { flowExpired, uiText } from './message.ts';

export const settingsText = {
  settingsSaved: () => uiText(1050001, 'Your changes have been saved!', 'success'),
  settingsFlowExpired: (at: Date, now: Date) => flowExpired(4050001, 'settings', at, now),
};
