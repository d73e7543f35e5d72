import type { Command } from '../command';

// Placeholder until this command is built.
export const collate: Command = {
  name: 'collate',
  summary: 'not built yet',
  usage: 'Usage: naome collate',
  async run() {
    console.error('naome collate: not built yet');
    return 2;
  },
};
