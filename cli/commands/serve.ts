import type { Command } from '../command';

// Placeholder until this command is built.
export const serve: Command = {
  name: 'serve',
  summary: 'not built yet',
  usage: 'Usage: naome serve',
  async run() {
    console.error('naome serve: not built yet');
    return 2;
  },
};
