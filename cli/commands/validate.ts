import type { Command } from '../command';

// Placeholder until this command is built.
export const validate: Command = {
  name: 'validate',
  summary: 'not built yet',
  usage: 'Usage: naome validate',
  async run() {
    console.error('naome validate: not built yet');
    return 2;
  },
};
