// Settings messages (Kratos text/message_settings.go): 1050xxx info, 4050xxx errors.
import { expiredContext, minutesAgo, uiText } from './message.ts';

export const settingsText = {
  settingsSaved: () => uiText(1050001, 'Your changes have been saved!', 'success'),
  settingsFlowExpired: (at: Date, now: Date) =>
    uiText(
      4050001,
      `The settings flow expired ${minutesAgo(at, now)} minutes ago, please try again.`,
      'error',
      expiredContext(at),
    ),
};
