import type { Command } from '../command';

// Placeholder until this command is built.
export const keys: Command = {
  name: 'keys',
  summary: 'not built yet',
  usage: 'Usage: naome keys',
  async run() {
    console.error('naome keys: not built yet');
    return 2;
  },
};
