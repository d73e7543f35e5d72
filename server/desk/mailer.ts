// Sending e-mail through SMTP (nodemailer, loaded only when reminders are switched on). The address is an SMTP URL:
// smtp://user:pass@host:587 (STARTTLS when offered) or smtps://host:465. Timeouts are short so a dead mail server
// makes a send fail in seconds, visibly, rather than hang a request.
export interface OutgoingMessage {
  to: string[];
  subject: string;
  text: string;
}

export interface Mailer {
  send(m: OutgoingMessage): Promise<void>;
  close(): void;
}

export interface MailSettings {
  /** SMTP URL (--smtp / NAOME_SMTP_URL). */
  url: string;
  /** The From address (--mail-from / NAOME_MAIL_FROM). */
  from?: string;
}

export const DEFAULT_FROM = 'NAoMe national team <naome-noreply@localhost>';

/** Refuses a URL nodemailer would not read, with what to write instead (checked at start, before anything is sent). */
export function checkSmtpUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`The SMTP address "${url.replace(/\/\/[^@/]*@/, '//…@').slice(0, 80)}" is not a URL: write smtp://host:587 or smtps://user:password@host:465.`);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error(`The SMTP address must start with smtp:// or smtps:// (it starts with ${parsed.protocol}//).`);
  }
}

export async function smtpMailer(settings: MailSettings): Promise<Mailer> {
  checkSmtpUrl(settings.url);
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(
    { url: settings.url, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 },
    { from: settings.from ?? DEFAULT_FROM },
  );
  return {
    async send(m) {
      await transport.sendMail({ to: m.to.join(', '), subject: m.subject, text: m.text });
    },
    close() {
      transport.close();
    },
  };
}

/** The mail settings from the command line or the environment; undefined when reminders are off. */
export function mailSettingsFrom(smtp?: string, from?: string): MailSettings | undefined {
  const url = smtp ?? process.env.NAOME_SMTP_URL;
  if (!url) return undefined;
  return { url, from: from ?? process.env.NAOME_MAIL_FROM };
}
