/**
 * TypeBox, loaded through its CommonJS build: its ES module build is 266 files, and under tsx's
 * loader hooks resolving them cost every process about 0.3 s at start (0.1 s through `require`).
 * Import `Type` and the schema types from here, never from the package.
 */
import { createRequire } from 'node:module';
import type * as TypeBox from '@sinclair/typebox';

const typebox = createRequire(import.meta.url)('@sinclair/typebox') as typeof TypeBox;
export const Type: typeof TypeBox.Type = typebox.Type;
export type { Static, TArray, TObject, TOptional, TProperties, TSchema, TString } from '@sinclair/typebox';
