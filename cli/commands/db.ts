import type { Command } from '../command';
import { parse, UsageError } from '../command';
import { printError, printLine } from '../terminal';
import { copyData, describeEndpoint, parseEndpoint } from '../../server/store/copy';

const usage = `Usage: naome db copy --from SOURCE --to TARGET

  copy   copy every table (organisations, keys, submissions with their files, reviews, the round, messages) from
         one database into another, empty one, in one transaction; checked before it commits: the same rows on
         both sides and every stored file matching the SHA-256 recorded when it was received
  SOURCE, TARGET
         sqlite:DIR           the SQLite file in the data folder DIR (naome serve --data DIR)
         postgres://user:password@host:5432/name   a PostgreSQL database (naome serve --database URL)

The source may stay in use (it is read from one snapshot); start the service on the target once the copy is done.
Examples:
  naome db copy --from sqlite:./data --to postgres://naome@db.example.org/naome
  naome db copy --from postgres://naome@db.example.org/naome --to sqlite:./local-copy`;

export const db: Command = {
  usage,
  async run(args) {
    const { values, positionals } = parse(args, { from: { type: 'string' }, to: { type: 'string' } }, true);
    const [action, ...extra] = positionals;
    if (action !== 'copy') throw new UsageError(action ? `unknown action "${action}": use copy.` : 'say what to do: copy.');
    if (extra.length) throw new UsageError(`unexpected "${extra.join(' ')}".`);
    if (!values.from || !values.to) throw new UsageError('give both --from and --to.');
    let from, to;
    try {
      from = parseEndpoint(values.from);
      to = parseEndpoint(values.to);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    printError(`Copying ${describeEndpoint(from)} → ${describeEndpoint(to)} …`);
    const figures = await copyData(from, to);
    const width = Math.max(...figures.tables.map((t) => t.table.length));
    for (const t of figures.tables) printLine(`${t.table.padEnd(width)}  ${String(t.rows).padStart(8)} rows  sha256 ${t.sha256}`);
    printLine(`files${' '.repeat(Math.max(0, width - 5))}  ${String(figures.files.count).padStart(8)} files, ${figures.files.bytes} bytes, each matching its SHA-256`);
    printError('Copied and checked: the target holds the same rows as the source, and every stored file is intact.');
    return 0;
  },
};
