// Prints o200k_base's tokens, one a line, in rank order, as base64 of their bytes: the
// vocabulary of gpt-oss's o200k_harmony tokenizer (scripts/make-harmony-model.py --shape gpt-oss-20b).
// From js-tiktoken's bundled ranks (no download).
import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";

const encoding = new Tiktoken(o200k);
const lines = [];
for (let rank = 0; rank < encoding.textMap.size; rank++) lines.push(Buffer.from(encoding.textMap.get(rank)).toString("base64"));
process.stdout.write(`${lines.join("\n")}\n`);
