// Reads crawl's WARC files with warcio.js (webrecorder's reader: an implementation that shares
// nothing with crawl's writer) and checks what a WARC reader relies on. Usage:
//
//   node check.mjs --warcio DIR [--jsonl FILE] [--cdx] [--list] WARC_FILE...
//
// DIR holds node_modules/warcio (tests/warcio/install puts it there). For every record of every
// file: warcio parses it without an error or a warning; Content-Length is the block's length;
// WARC-Block-Digest is the SHA-1 of the block and, for responses and revisits,
// WARC-Payload-Digest that of the body with its transfer coding removed (warcio's own dechunker)
// and its content coding kept; WARC-Date has sub-second precision; WARC-Target-URI has no angle
// brackets; every WARC-Concurrent-To names a record of the file. With --jsonl, for every record
// that has a `warc` location: its gzip member, read alone from its offset, is one response (or
// revisit) record for the record's final URL, and when the record has a `hash`, the body warcio
// decodes from it (a revisit: from the record it refers to) hashes to it. With --cdx, the index
// beside each file holds the lines warcio's CDX indexer makes, sorted as bytes.
//
// Prints one JSON object (counts per record type, files, records checked; with --list, every
// record's file, offset, type, target URI, truncation and HTTP status) and exits 0, or prints
// each problem on stderr and exits 1.

import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";
import { execFileSync } from "node:child_process";

const args = process.argv.slice(2);
let warcioDir = null;
let jsonlPath = null;
let compareIndex = false;
let list = false;
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === "--warcio") warcioDir = args[++i];
  else if (args[i] === "--jsonl") jsonlPath = args[++i];
  else if (args[i] === "--cdx") compareIndex = true;
  else if (args[i] === "--list") list = true;
  else files.push(args[i]);
}
if (!warcioDir || files.length === 0) {
  console.error("usage: node check.mjs --warcio DIR [--jsonl FILE] [--cdx] [--list] WARC_FILE...");
  process.exit(2);
}

const { WARCParser, AsyncIterReader, CDXIndexer } = await import(
  pathToFileURL(`${warcioDir}/node_modules/warcio/dist/index.js`).href
);

const problems = [];
const problem = (text) => problems.push(text);
// warcio reports what it tolerates on the console: each is a problem here.
console.warn = (...parts) => problem(`warcio warned: ${parts.join(" ")}`);
console.log = (...parts) => problem(`warcio said: ${parts.join(" ")}`);

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
function base32(bytes) {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}
const sha1Label = (bytes) => "sha1:" + base32(createHash("sha1").update(bytes).digest());
const sha256Hex = (bytes) => createHash("sha256").update(bytes).digest("hex");

async function readAll(iterable) {
  const chunks = [];
  for await (const chunk of iterable) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/// The HTTP message of a block split at the end of its header.
function splitHttp(block) {
  const end = block.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = block.subarray(0, end).toString("latin1");
  const fields = new Map();
  for (const line of head.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { head, fields, body: block.subarray(end + 4) };
}

/// The body with its transfer coding removed, by warcio's dechunker.
async function payloadOf(http) {
  const chunked = (http.fields.get("transfer-encoding") || "").toLowerCase() === "chunked";
  if (!chunked) return http.body;
  return readAll(new AsyncIterReader([http.body], null, true));
}

/// The body as the page's bytes: every content coding undone, the last applied first (what the
/// record's `hash` is over).
function decoded(payload, coding) {
  const codings = (coding || "identity").split(",").map((c) => c.trim()).filter((c) => c !== "");
  return codings.reverse().reduce(decodedOnce, payload);
}

function decodedOnce(payload, coding) {
  switch (coding.toLowerCase()) {
    case "identity":
      return payload;
    case "gzip":
    case "x-gzip":
      return zlib.gunzipSync(payload);
    case "deflate":
      try {
        return zlib.inflateSync(payload);
      } catch {
        return zlib.inflateRawSync(payload);
      }
    case "br":
      return zlib.brotliDecompressSync(payload);
    case "zstd":
      if (zlib.zstdDecompressSync) return zlib.zstdDecompressSync(payload);
      return execFileSync("zstd", ["-dcq"], { input: payload, maxBuffer: 1 << 30 });
    default:
      throw new Error(`unknown content coding ${coding}`);
  }
}

const counts = {};
const listed = [];
const recordsByFile = new Map(); // file → Map(offset → record facts)
const payloadOwners = new Map(); // payload digest → facts of the first response that had it

async function checkFile(path) {
  const data = readFileSync(path);
  const parser = new WARCParser([data], { parseHttp: false });
  const byOffset = new Map();
  const ids = new Set();
  const concurrent = [];
  let index = 0;
  for await (const record of parser) {
    const where = `${basename(path)} record ${index++} at ${parser.offset}`;
    const type = record.warcType;
    counts[type] = (counts[type] || 0) + 1;
    const block = Buffer.from(await record.readFully(false));
    const declared = Number(record.warcHeader("Content-Length"));
    if (declared !== block.length) problem(`${where}: Content-Length ${declared}, block ${block.length} bytes`);
    const blockDigest = record.warcHeader("WARC-Block-Digest");
    if (blockDigest !== sha1Label(block)) problem(`${where}: WARC-Block-Digest ${blockDigest} is not the block's`);
    const date = record.warcHeader("WARC-Date") || "";
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(date)) problem(`${where}: WARC-Date ${date}`);
    ids.add(record.warcHeader("WARC-Record-ID"));
    const facts = { type, uri: record.warcTargetURI, date, length: parser.recordLength };
    if (type !== "warcinfo") {
      if (!facts.uri || facts.uri.startsWith("<")) problem(`${where}: WARC-Target-URI ${facts.uri}`);
      if (!record.warcHeader("WARC-IP-Address")) problem(`${where}: no WARC-IP-Address`);
      concurrent.push([where, record.warcHeader("WARC-Concurrent-To")]);
    }
    if (type === "response" || type === "revisit") {
      const http = splitHttp(block);
      if (!http) {
        problem(`${where}: no HTTP header in the block`);
      } else {
        facts.http = http;
        facts.payloadDigest = record.warcPayloadDigest;
        if (type === "response") {
          const payload = await payloadOf(http);
          if (facts.payloadDigest !== sha1Label(payload))
            problem(`${where}: WARC-Payload-Digest ${facts.payloadDigest} is not the payload's`);
          facts.truncated = record.warcHeader("WARC-Truncated");
          facts.payload = payload;
          if (!payloadOwners.has(facts.payloadDigest)) payloadOwners.set(facts.payloadDigest, facts);
        } else if (record.warcHeader("WARC-Profile") !== "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest") {
          problem(`${where}: revisit without the identical-payload-digest profile`);
        }
      }
    }
    byOffset.set(parser.offset, facts);
    listed.push({
      file: path,
      offset: parser.offset,
      type,
      uri: facts.uri || null,
      truncated: record.warcHeader("WARC-Truncated") || null,
      status: facts.http ? Number(facts.http.head.split(" ")[1]) : null,
    });
  }
  for (const [where, to] of concurrent) {
    if (!ids.has(to)) problem(`${where}: WARC-Concurrent-To ${to} names no record of the file`);
  }
  if (index === 0) problem(`${path}: no record`);
  recordsByFile.set(path, byOffset);
}

async function checkIndex(path) {
  const name = path.replace(/\.warc\.gz$/, ".cdxj");
  if (!existsSync(name)) {
    problem(`${name}: missing`);
    return;
  }
  const ours = readFileSync(name, "latin1").split("\n").filter((l) => l.length > 0);
  const sorted = [...ours].sort((a, b) => (Buffer.compare(Buffer.from(a, "latin1"), Buffer.from(b, "latin1"))));
  if (ours.join("\n") !== sorted.join("\n")) problem(`${name}: lines not sorted`);
  const indexer = new CDXIndexer({ format: "cdxj" });
  const theirs = [];
  for await (const entry of indexer.iterIndex([{ filename: basename(path), reader: [readFileSync(path)] }])) {
    theirs.push(indexer.serialize(entry).trimEnd());
  }
  theirs.sort((a, b) => Buffer.compare(Buffer.from(a, "latin1"), Buffer.from(b, "latin1")));
  if (ours.join("\n") !== theirs.join("\n"))
    problem(`${name}: differs from warcio's index:\n  ours:   ${ours.join("\n          ")}\n  warcio: ${theirs.join("\n          ")}`);
}

const fileBytes = new Map(); // file → its bytes, read once
let recordsChecked = 0;
let hashesChecked = 0;
async function checkRecords(path) {
  const text = readFileSync(path, "utf8");
  for (const line of text.split("\n")) {
    if (!line) continue;
    const r = JSON.parse(line);
    if (!r.warc) continue;
    ++recordsChecked;
    const where = `record seq ${r.seq}`;
    const byOffset = recordsByFile.get(r.warc.file);
    if (!byOffset) {
      problem(`${where}: ${r.warc.file} is not among the files checked`);
      continue;
    }
    const facts = byOffset.get(r.warc.offset);
    if (!facts || facts.length !== r.warc.length) {
      problem(`${where}: no record of ${r.warc.length} bytes at offset ${r.warc.offset} of ${r.warc.file}`);
      continue;
    }
    // The member alone, as a user reads it with one seek.
    if (!fileBytes.has(r.warc.file)) fileBytes.set(r.warc.file, readFileSync(r.warc.file));
    const member = fileBytes.get(r.warc.file).subarray(r.warc.offset, r.warc.offset + r.warc.length);
    const alone = [];
    for await (const record of new WARCParser([member])) {
      alone.push({ type: record.warcType, uri: record.warcTargetURI, content: Buffer.from(await record.readFully(true)) });
    }
    if (alone.length !== 1 || !["response", "revisit"].includes(alone[0].type)) {
      problem(`${where}: the member at its offset is not one response or revisit record`);
      continue;
    }
    if (alone[0].uri !== r.final_url) problem(`${where}: WARC-Target-URI ${alone[0].uri}, final_url ${r.final_url}`);
    if (r.hash === null) continue;
    const owner = facts.type === "revisit" ? payloadOwners.get(facts.payloadDigest) : facts;
    if (!owner) {
      problem(`${where}: the revisit's payload ${facts.payloadDigest} is in no response checked`);
      continue;
    }
    const coding = owner.http.fields.get("content-encoding");
    // warcio decodes one gzip or deflate itself; br, zstd and stacks are decoded here from its
    // payload.
    const lowered = (coding || "").toLowerCase();
    const body = ["br", "zstd"].includes(lowered) || lowered.includes(",") || facts.type === "revisit"
      ? decoded(owner.payload, coding)
      : alone[0].content;
    ++hashesChecked;
    if (`sha256:${sha256Hex(body)}` !== r.hash) problem(`${where}: the archived body does not hash to ${r.hash}`);
  }
}

for (const file of files) await checkFile(file);
if (compareIndex) for (const file of files) await checkIndex(file);
if (jsonlPath) await checkRecords(jsonlPath);

const summary = { files: files.length, records: counts, recordsChecked, hashesChecked };
if (list) summary.list = listed;
process.stdout.write(JSON.stringify(summary) + "\n");
if (problems.length > 0) {
  for (const p of problems) process.stderr.write(p + "\n");
  process.exit(1);
}
