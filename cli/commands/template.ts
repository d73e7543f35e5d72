import type { Command } from '../command';

// Placeholder until this command is built.
export const template: Command = {
  name: 'template',
  summary: 'not built yet',
  usage: 'Usage: naome template',
  async run() {
    console.error('naome template: not built yet');
    return 2;
  },
};
