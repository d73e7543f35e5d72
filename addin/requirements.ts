// The Excel API requirement set the add-in needs, named once for the manifest and the task pane's own check.
// ExcelApi 1.8 brings list and date data validation with prompts and alerts (Create plan); everything else used is
// older: ranges and values 1.1, sheet protection and unlocked cells 1.2, defined names 1.4, conditional formats 1.6.
export const REQUIRED_API_SET = { name: 'ExcelApi', version: '1.8' } as const;
