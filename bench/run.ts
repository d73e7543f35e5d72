// `npm run bench`: runs every bench/<topic>.ts in turn; each prints its own figures.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv.slice(2);
for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').sort()) {
  const topic = file.replace(/\.ts$/, '');
  if (only.length && !only.includes(topic)) continue;
  console.log(`\n## ${topic}`);
  const mod = (await import(`./${file}`)) as { bench: () => Promise<void> };
  await mod.bench();
}
