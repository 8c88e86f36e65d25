// linux.seccomp of config.json → a classic BPF program for seccomp(2), as libseccomp builds for
// runc: rules match a syscall number and optional conditions on its arguments, and the first
// matching rule's action wins; anything else gets the default action. Only the native x86_64
// ABI is compiled: i386 and x32 syscalls get the default action (runc would also apply the
// profile's rules for those architectures; see the report for this deviation).
import { SYSCALLS_X86_64 } from './syscalls-x86_64.js';
import { RuntimeError } from './errors.js';

export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

export interface OciSeccompRule {
  names?: string[];
  action: string;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  flags?: string[];
  syscalls?: OciSeccompRule[];
}

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const EPERM = 1;

// BPF opcodes (linux/bpf_common.h) used here.
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGT_K = 0x25;
const JGE_K = 0x35;
const AND_K = 0x54;
const RET_K = 0x06;

// struct seccomp_data: nr at 0, arch at 4, args[i] at 16 + 8i (low word first on little endian).
const NR = 0;
const ARCH = 4;
const argLow = (i: number) => 16 + 8 * i;
const argHigh = (i: number) => 20 + 8 * i;

export function actionValue(action: string, errnoRet: number | undefined): number {
  const errno = (errnoRet ?? EPERM) & 0xffff;
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return 0x00000000;
    case 'SCMP_ACT_KILL_PROCESS':
      return 0x80000000;
    case 'SCMP_ACT_TRAP':
      return 0x00030000;
    case 'SCMP_ACT_ERRNO':
      return 0x00050000 | errno;
    case 'SCMP_ACT_TRACE':
      return 0x7ff00000 | errno;
    case 'SCMP_ACT_LOG':
      return 0x7ffc0000;
    case 'SCMP_ACT_ALLOW':
      return 0x7fff0000;
    default:
      throw new RuntimeError(`seccomp: action ${action} is not supported`);
  }
}

type Label = string;

interface Instruction {
  code: number;
  k: number;
  /** Targets of a conditional jump: a label, or undefined for "the next instruction". */
  jt?: Label;
  jf?: Label;
}

class Assembler {
  readonly code: Array<Instruction | { label: Label }> = [];
  private labels = 0;

  newLabel(): Label {
    return `L${this.labels++}`;
  }

  emit(code: number, k: number, jt?: Label, jf?: Label): void {
    this.code.push({ code, k: k >>> 0, jt, jf });
  }

  place(label: Label): void {
    this.code.push({ label });
  }

  /** sock_filter entries, 8 bytes each: u16 code, u8 jt, u8 jf, u32 k (little endian). */
  assemble(): Buffer {
    const positions = new Map<Label, number>();
    const instructions: Instruction[] = [];
    for (const item of this.code) {
      if ('label' in item) positions.set(item.label, instructions.length);
      else instructions.push(item);
    }
    if (instructions.length > 4096) throw new RuntimeError('seccomp: profile compiles to more than 4096 instructions');
    const out = Buffer.alloc(instructions.length * 8);
    instructions.forEach((ins, i) => {
      const offset = (label: Label | undefined): number => {
        if (label === undefined) return 0;
        const distance = positions.get(label)! - (i + 1);
        if (distance < 0 || distance > 255) throw new RuntimeError('seccomp: jump out of range');
        return distance;
      };
      out.writeUInt16LE(ins.code, i * 8);
      out.writeUInt8(offset(ins.jt), i * 8 + 2);
      out.writeUInt8(offset(ins.jf), i * 8 + 3);
      out.writeUInt32LE(ins.k, i * 8 + 4);
    });
    return out;
  }
}

function words(value: number): [number, number] {
  const big = BigInt.asUintN(64, BigInt(value));
  return [Number(big >> 32n), Number(big & 0xffffffffn)];
}

/** Falls through when the condition holds, jumps to `fail` when it does not. */
function emitCondition(asm: Assembler, arg: OciSeccompArg, fail: Label): void {
  const [hi, lo] = words(arg.value);
  const pass = asm.newLabel();
  switch (arg.op) {
    case 'SCMP_CMP_EQ':
      asm.emit(LD_W_ABS, argHigh(arg.index));
      asm.emit(JEQ_K, hi, undefined, fail);
      asm.emit(LD_W_ABS, argLow(arg.index));
      asm.emit(JEQ_K, lo, undefined, fail);
      break;
    case 'SCMP_CMP_NE':
      asm.emit(LD_W_ABS, argHigh(arg.index));
      asm.emit(JEQ_K, hi, undefined, pass);
      asm.emit(LD_W_ABS, argLow(arg.index));
      asm.emit(JEQ_K, lo, fail, undefined);
      break;
    case 'SCMP_CMP_MASKED_EQ': {
      const [dataHi, dataLo] = words(arg.valueTwo ?? 0);
      asm.emit(LD_W_ABS, argHigh(arg.index));
      asm.emit(AND_K, hi);
      asm.emit(JEQ_K, dataHi, undefined, fail);
      asm.emit(LD_W_ABS, argLow(arg.index));
      asm.emit(AND_K, lo);
      asm.emit(JEQ_K, dataLo, undefined, fail);
      break;
    }
    case 'SCMP_CMP_GT':
    case 'SCMP_CMP_GE':
      // Unsigned 64-bit: decided by the high words unless they are equal.
      asm.emit(LD_W_ABS, argHigh(arg.index));
      asm.emit(JGT_K, hi, pass, undefined);
      asm.emit(JEQ_K, hi, undefined, fail);
      asm.emit(LD_W_ABS, argLow(arg.index));
      asm.emit(arg.op === 'SCMP_CMP_GT' ? JGT_K : JGE_K, lo, undefined, fail);
      break;
    case 'SCMP_CMP_LT':
    case 'SCMP_CMP_LE':
      asm.emit(LD_W_ABS, argHigh(arg.index));
      asm.emit(JGE_K, hi, undefined, pass);
      asm.emit(JEQ_K, hi, undefined, fail);
      asm.emit(LD_W_ABS, argLow(arg.index));
      asm.emit(arg.op === 'SCMP_CMP_LT' ? JGE_K : JGT_K, lo, fail, undefined);
      break;
    default:
      throw new RuntimeError(`seccomp: comparison ${arg.op} is not supported`);
  }
  asm.place(pass);
}

/** The filter as hex, for the native stage's `--seccomp`; undefined when there is nothing to apply here. */
export function compileSeccomp(profile: OciSeccomp | undefined): string | undefined {
  if (!profile) return undefined;
  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const rulesByNr = new Map<number, OciSeccompRule[]>();
  for (const rule of profile.syscalls ?? []) {
    for (const name of rule.names ?? []) {
      const nr = SYSCALLS_X86_64[name];
      if (nr === undefined) continue; // another architecture's syscall, as libseccomp skips it
      const rules = rulesByNr.get(nr) ?? [];
      rules.push(rule);
      rulesByNr.set(nr, rules);
    }
  }
  const asm = new Assembler();
  const native = asm.newLabel();
  asm.emit(LD_W_ABS, ARCH);
  asm.emit(JEQ_K, AUDIT_ARCH_X86_64, native, undefined);
  asm.emit(RET_K, defaultAction);
  asm.place(native);
  asm.emit(LD_W_ABS, NR);
  const notX32 = asm.newLabel();
  asm.emit(JGE_K, X32_SYSCALL_BIT, undefined, notX32);
  asm.emit(RET_K, defaultAction);
  asm.place(notX32);
  for (const [nr, rules] of rulesByNr) {
    const nextSyscall = asm.newLabel();
    asm.emit(LD_W_ABS, NR);
    asm.emit(JEQ_K, nr, undefined, nextSyscall);
    for (const rule of rules) {
      const nextRule = asm.newLabel();
      for (const arg of rule.args ?? []) emitCondition(asm, arg, nextRule);
      asm.emit(RET_K, actionValue(rule.action, rule.errnoRet));
      asm.place(nextRule);
    }
    asm.place(nextSyscall);
  }
  asm.emit(RET_K, defaultAction);
  return asm.assemble().toString('hex');
}
