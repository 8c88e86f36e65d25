#!/usr/bin/env node
// Compiles the contract (every .proto under api/proto) into one protobufjs JSON descriptor,
// dist/api/contract.json, so that no process parses .proto text when it starts: the daemons and
// the shim read the descriptor with the project's own codec (api/protos.ts). Field names are
// camelCase, as protobufjs names them by default; the wire is the field numbers.
//
//   node scripts/build-protos.mjs            (part of npm run build)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(repo, 'api/proto');
const out = path.join(repo, 'dist/api/contract.json');

function protoFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? protoFiles(path.join(dir, e.name)) : e.name.endsWith('.proto') ? [path.join(dir, e.name)] : []))
    .sort();
}

const root = new protobuf.Root();
// google/protobuf/* come from protobufjs' bundled definitions; every other import from api/proto
root.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(src, target));
root.loadSync(protoFiles(src), { keepCase: false });
// The bundled Any keeps its snake_case field name; rename it so that Any reads typeUrl like every
// other field of the contract (same number, same wire).
const any = root.lookupType('google.protobuf.Any');
const typeUrl = any.fields['type_url'];
if (typeUrl) {
  any.remove(typeUrl);
  any.add(new protobuf.Field('typeUrl', 1, 'string'));
}
root.resolveAll();
// Every reference fully qualified (".containerd.types.Mount"): the runtime resolves a type only
// when it is first used, and a qualified name is one table lookup instead of a search of the tree.
function qualify(ns) {
  for (const obj of ns.nestedArray) {
    if (obj instanceof protobuf.Type) {
      for (const f of obj.fieldsArray) if (f.resolvedType) f.type = f.resolvedType.fullName;
    } else if (obj instanceof protobuf.Service) {
      for (const m of obj.methodsArray) {
        m.requestType = m.resolvedRequestType.fullName;
        m.responseType = m.resolvedResponseType.fullName;
      }
    }
    if (obj instanceof protobuf.Namespace) qualify(obj);
  }
}
qualify(root);

fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(root.toJSON()));
process.stdout.write(`contract: ${path.relative(repo, out)} from ${protoFiles(src).length} .proto files\n`);
