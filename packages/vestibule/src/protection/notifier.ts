/** A security notification the edge asks to be mailed after Kratos accepted a change (issue 12). */
export interface SecurityNotice {
  kind: 'password_changed' | 'email_changed' | 'account_recovered';
  /** For email_changed: the OLD address. */
  to: string;
  identityId: string;
  at: Date;
  requestId: string;
  newEmail?: string;
}

export interface SecurityNotifier {
  notify(notice: SecurityNotice): Promise<void>;
}
