import type { Command } from '../command';

// Placeholder until this command is built.
export const manifest: Command = {
  name: 'manifest',
  summary: 'not built yet',
  usage: 'Usage: naome manifest',
  async run() {
    console.error('naome manifest: not built yet');
    return 2;
  },
};
