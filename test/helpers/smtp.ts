// A real SMTP server for the tests (the smtp-server package) on a free loopback port: it keeps every message it
// receives (envelope and raw text), and can be stopped and started again on the same port to play a mail server
// that is down.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
  /** The message body, with quoted-printable soft line breaks joined. */
  body: string;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: ReceivedMail[];
  stop(): Promise<void>;
  start(): Promise<void>;
}

function parse(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const subjectLine = /^Subject: (.*)$/im.exec(head)?.[1] ?? '';
  // nodemailer writes a non-ASCII subject as =?UTF-8?Q?…?= words.
  const subject = subjectLine.replace(/=\?UTF-8\?Q\?(.*?)\?=\s?/gi, (_m, q: string) =>
    Buffer.from(q.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
  const qp = /quoted-printable/i.test(head);
  let body = raw.slice(split + 4);
  if (qp) body = Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  return { from, to, raw, subject, body: body.replace(/\r\n/g, '\n') };
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  let port = 0;
  const start = () => new Promise<void>((ok, fail) => {
    server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, done) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          received.push(parse(Buffer.concat(chunks).toString('utf8'), from, session.envelope.rcptTo.map((r) => r.address)));
          done();
        });
      },
    });
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      port = (server!.server.address() as AddressInfo).port;
      ok();
    });
  });
  await start();
  return {
    get url() { return `smtp://127.0.0.1:${port}`; },
    get port() { return port; },
    received,
    start,
    stop: () => new Promise<void>((done) => { if (!server) return done(); server.close(() => done()); server = undefined; }),
  };
}
