import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from '../command';
import { printError, printLine } from '../terminal';
import { parse, UsageError } from '../command';
import { ADMIN, issueKey } from '../../server/keys';
import { loadOrganisations } from '../../server/organisations';
import { DATABASE_ENV, databaseUrlOf, openStore } from '../../server/store/open';

const usage = `Usage: naome keys admin [--data DIR | --database URL]
       naome keys issue ODS_CODE [--data DIR | --database URL]
       naome keys revoke ODS_CODE [--data DIR | --database URL]

  admin            print a new admin key; the old admin key stops working
  issue ODS_CODE   print a new key for that organisation; its old key stops working
  revoke ODS_CODE  the organisation's key stops working
  --data DIR       the service's data directory (default ./data)
  --database URL   the service's PostgreSQL database instead (postgres://…; default ${DATABASE_ENV})

A key is printed once and stored only as a hash: keep it somewhere safe and give it only to its owner.
This works while the service is running.`;

export const keys: Command = {
  usage,
  async run(args) {
    const { values, positionals } = parse(args, { data: { type: 'string' }, database: { type: 'string' } }, true);
    const [action, rawCode, ...extra] = positionals;
    if (!action) throw new UsageError('say what to do: admin, issue ODS_CODE or revoke ODS_CODE.');
    if (extra.length) throw new UsageError(`unexpected "${extra.join(' ')}".`);
    if (action === 'admin' && rawCode) throw new UsageError('"keys admin" takes no ODS code.');
    if ((action === 'issue' || action === 'revoke') && !rawCode) throw new UsageError(`"keys ${action}" needs an ODS code, e.g. naome keys ${action} RGT.`);
    if (!['admin', 'issue', 'revoke'].includes(action)) throw new UsageError(`unknown action "${action}": use admin, issue or revoke.`);

    // A mistyped --data must not quietly make a new, empty database (keys the running service never sees).
    const database = databaseUrlOf(values.database);
    const dataDir = resolve(values.data ?? 'data');
    if (!database && (!existsSync(dataDir) || !statSync(dataDir).isDirectory())) {
      printError(`naome keys: there is no data folder ${dataDir}${existsSync(dataDir) ? ' (that is a file)' : ''}. Give the folder the service uses (naome serve --data DIR uses DIR; the default is ./data), or start the service once to create it. Nothing was changed.`);
      return 2;
    }
    const store = await openStore({ data: dataDir, database });
    try {
      await store.seedOrganisations(() => loadOrganisations());
      if (action === 'admin') {
        printLine(await issueKey(store, ADMIN));
        printError('That is the new admin key (shown once). Any older admin key no longer works.');
        return 0;
      }
      const code = rawCode!.trim().toUpperCase();
      const organisation = await store.organisation(code);
      if (!organisation) {
        printError(`naome keys: "${rawCode}" is not an organisation on the list (${(await store.organisations()).length} organisations). Check the ODS code; the admin can replace the list on the admin page.`);
        return 2;
      }
      if (action === 'issue') {
        printLine(await issueKey(store, code));
        printError(`That is the new key for ${code} – ${organisation.name} (shown once). Any older key of theirs no longer works.`);
      } else {
        const had = await store.revokeKey(code);
        printError(had ? `${code}'s key is revoked.` : `${code} had no working key; nothing changed.`);
      }
      return 0;
    } finally {
      await store.close();
    }
  },
};
