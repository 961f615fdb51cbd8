/**
 * Several captures as one on the command line (`analyze A B`, `ladder A B`, `rtp A B`): `--shift`
 * and `--dedup-window`, and the shared open (service/merge-captures.ts: merged by time into a temp
 * pcapng, deleted when closed).
 */
import { Option, type Command } from 'commander';
import type { IngestFileOptions, IngestFileResult } from '../../sip-core/trace/ingest-file.node.js';
import { ingestMerged, shiftsFor, type MergeInput } from '../service/merge-captures';

export interface MergeCliOptions {
  /** `FILE=±SECONDS` (s, ms or us), repeatable. */
  shift?: string[];
  /** Duplicate window in ms (0: keep every packet). */
  dedupWindow?: string;
}

/** Adds `--shift` and `--dedup-window` to a command that takes several capture files. */
export function addMergeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--shift <file=offset>',
        "several captures: shift one file's times (b.pcap=+0.120s, b.pcap=-40ms) when its host's clock differs (repeatable)",
      ).argParser((v: string, prev: string[] = []) => [...prev, v]),
    )
    .addOption(
      new Option(
        '--dedup-window <ms>',
        'several captures: the same IP packet in two files within this many ms is kept once (0: keep all)',
      ).default('10'),
    );
}

/**
 * A bad `--shift` or `--dedup-window` (a usage error: the commands exit with code 2 for it, as for a
 * bad `--filter`, not 1 as for an unreadable file).
 */
export class MergeUsageError extends Error {
  override name = 'MergeUsageError';
}

/** The exit code for an error opening several captures: 2 for a bad option, 1 for an unreadable input. */
export const mergeOpenExitCode = (e: unknown): number => (e instanceof MergeUsageError ? 2 : 1);

/** The message for an error opening `file` (several captures) in command `cmd`. */
export function mergeOpenError(cmd: string, file: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return e instanceof MergeUsageError
    ? `sipscope ${cmd}: ${msg}`
    : `sipscope ${cmd}: cannot read ${file}: ${msg}`;
}

/** The merge inputs for `files` with their shifts; an error text for a bad option. */
export function mergeInputs(
  files: readonly string[],
  o: MergeCliOptions,
): { inputs: MergeInput[]; dedupWindowUs: number } | string {
  const shifts = shiftsFor(files, o.shift ?? []);
  if (typeof shifts === 'string') return shifts;
  const ms = Number(o.dedupWindow ?? '10');
  if (!Number.isFinite(ms) || ms < 0) return `--dedup-window: "${o.dedupWindow}" is not a number of ms`;
  return {
    inputs: files.map((path, k) => ({ path, shiftUs: shifts[k]! })),
    dedupWindowUs: Math.round(ms * 1000),
  };
}

/** Opens several captures as one; throws with a message for a bad option or an unreadable input. */
export async function openMergedCli(
  files: readonly string[],
  o: MergeCliOptions,
  ingest: IngestFileOptions,
): Promise<{ result: IngestFileResult; close: () => void }> {
  const m = mergeInputs(files, o);
  if (typeof m === 'string') throw new MergeUsageError(m);
  const { result, close } = await ingestMerged(m.inputs, { ...ingest, dedupWindowUs: m.dedupWindowUs });
  return { result, close };
}
