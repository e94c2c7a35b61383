#!/usr/bin/env node
// `npx gatewatch …`: runs the TypeScript sources through tsx (the workspace ships no compiled output).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
