import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSeccomp, actionValue } from './seccomp.js';
import type { OciSeccomp } from './seccomp.js';
import { SYSCALLS_X86_64 } from './syscalls-x86_64.js';

const AUDIT_ARCH_X86_64 = 0xc000003e;
const AUDIT_ARCH_I386 = 0x40000003;
const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;

/** Runs a compiled filter on one seccomp_data, as the kernel would (the opcodes seccomp.ts emits). */
function evaluate(hex: string, nr: number, args: bigint[] = [], arch = AUDIT_ARCH_X86_64): number {
  const program = Buffer.from(hex, 'hex');
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr, 0);
  data.writeUInt32LE(arch, 4);
  args.forEach((a, i) => data.writeBigUInt64LE(a, 16 + 8 * i));
  let acc = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: acc = data.readUInt32LE(k); break;
      case 0x54: acc = (acc & k) >>> 0; break;
      case 0x15: pc += acc === k ? jt : jf; break;
      case 0x25: pc += acc > k ? jt : jf; break;
      case 0x35: pc += acc >= k ? jt : jf; break;
      case 0x06: return k;
      default: throw new Error(`unexpected opcode ${code}`);
    }
  }
  throw new Error('fell off the end of the program');
}

const nr = (name: string) => SYSCALLS_X86_64[name]!;

test('listed syscalls get their action, others the default, unknown names are skipped', () => {
  const hex = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['read', 'write', 'arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW' },
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ],
  })!;
  assert.equal(evaluate(hex, nr('read')), ALLOW);
  assert.equal(evaluate(hex, nr('write')), ALLOW);
  assert.equal(evaluate(hex, nr('unshare')), EPERM);
  assert.equal(evaluate(hex, nr('clone3')), 0x00050000 | 38);
  // Other ABIs are not compiled: they get the default action.
  assert.equal(evaluate(hex, nr('read'), [], AUDIT_ARCH_I386), EPERM);
  assert.equal(evaluate(hex, 0x40000000 | nr('read')), EPERM);
});

test('argument conditions compare all 64 bits, and a rule needs every condition', () => {
  const rule = (op: string, value: number, valueTwo?: number): OciSeccomp => ({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [{ names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value, valueTwo, op }] }],
  });
  const p = nr('personality');
  const eq = compileSeccomp(rule('SCMP_CMP_EQ', 0xffffffff))!;
  assert.equal(evaluate(eq, p, [0xffffffffn]), ALLOW);
  assert.equal(evaluate(eq, p, [0x1ffffffffn]), EPERM, 'the high word counts');
  const ne = compileSeccomp(rule('SCMP_CMP_NE', 40))!;
  assert.equal(evaluate(ne, p, [41n]), ALLOW);
  assert.equal(evaluate(ne, p, [40n]), EPERM);
  // Docker's clone rule: no namespace flag may be set.
  const masked = compileSeccomp(rule('SCMP_CMP_MASKED_EQ', 2114060288))!;
  assert.equal(evaluate(masked, p, [0x11n]), ALLOW);
  assert.equal(evaluate(masked, p, [0x10000000n]), EPERM);
  const gt = compileSeccomp(rule('SCMP_CMP_GT', 5))!;
  assert.deepEqual([4n, 5n, 6n, 1n << 40n].map((v) => evaluate(gt, p, [v])), [EPERM, EPERM, ALLOW, ALLOW]);
  const ge = compileSeccomp(rule('SCMP_CMP_GE', 5))!;
  assert.deepEqual([4n, 5n, 6n].map((v) => evaluate(ge, p, [v])), [EPERM, ALLOW, ALLOW]);
  const lt = compileSeccomp(rule('SCMP_CMP_LT', 5))!;
  assert.deepEqual([4n, 5n, 6n, 1n << 40n].map((v) => evaluate(lt, p, [v])), [ALLOW, EPERM, EPERM, EPERM]);
  const le = compileSeccomp(rule('SCMP_CMP_LE', 5))!;
  assert.deepEqual([4n, 5n, 6n].map((v) => evaluate(le, p, [v])), [ALLOW, ALLOW, EPERM]);
  const both = compileSeccomp({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }, { index: 1, value: 1, op: 'SCMP_CMP_EQ' }] },
      { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }] },
    ],
  })!;
  assert.equal(evaluate(both, p, [8n, 1n]), ALLOW);
  assert.equal(evaluate(both, p, [8n, 2n]), EPERM);
  assert.equal(evaluate(both, p, [0n, 2n]), ALLOW, 'a later rule of the same syscall still applies');
});

test('actions map to the kernel return values', () => {
  assert.equal(actionValue('SCMP_ACT_ALLOW', undefined), ALLOW);
  assert.equal(actionValue('SCMP_ACT_ERRNO', undefined), EPERM);
  assert.equal(actionValue('SCMP_ACT_KILL_PROCESS', undefined), 0x80000000);
  assert.throws(() => actionValue('SCMP_ACT_NOTIFY', undefined), /not supported/);
  assert.equal(compileSeccomp(undefined), undefined);
});
