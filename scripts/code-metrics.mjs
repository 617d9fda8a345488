// Counts what issue 16 tracks about how the code reads: names exported from src/index.ts,
// casts and non-null assertions in src/, and (with --flags) the errors each stricter compiler
// flag would give today (0 once tsconfig.json turns it on), and which stricter flags tsconfig.json turns on. Reads the code with TypeScript's own parser and checker.
// and the lines of browser code held as text outside the type checker.
// Usage: node scripts/code-metrics.mjs [--flags] [--list]   (--list prints every exported name)
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = fileURLToPath(new URL("..", import.meta.url));
const args = new Set(process.argv.slice(2));

function sourceFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...sourceFiles(full));
    else if (entry.endsWith(".ts") && !entry.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

function exportedNames() {
  const index = join(root, "src", "index.ts");
  const program = ts.createProgram([index], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: ["node"] });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(index));
  const names = { values: [], typesOnly: [] };
  for (const s of checker.getExportsOfModule(symbol)) {
    const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
    (target.flags & ts.SymbolFlags.Value ? names.values : names.typesOnly).push(s.name);
  }
  return names;
}

function countNodes() {
  const counts = { casts: 0, asConst: 0, angleCasts: 0, nonNull: 0, bracketBang: 0 };
  for (const file of sourceFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    counts.bracketBang += (text.match(/\]!/g) ?? []).length;
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node) => {
      if (ts.isAsExpression(node)) {
        const t = node.type;
        if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName) && t.typeName.text === "const") counts.asConst++;
        else counts.casts++;
      } else if (ts.isTypeAssertionExpression(node)) counts.angleCasts++;
      else if (ts.isNonNullExpression(node)) counts.nonNull++;
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return counts;
}

function flagErrors(flag) {
  try {
    execFileSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json", "--noEmit", flag], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { errors: 0, files: 0, srcErrors: 0 };
  } catch (e) {
    const lines = String(e.stdout).split("\n").filter((l) => /error TS\d+/.test(l));
    const files = new Set(lines.map((l) => l.split("(")[0]));
    return { errors: lines.length, files: files.size, srcErrors: lines.filter((l) => l.startsWith("src/")).length };
  }
}

/**
 * Lines of the report's browser JavaScript that the type checker never sees because they are
 * text in a TypeScript file: the String.raw templates of src/report/client-*.ts (the page's code
 * before it became modules under src/report/browser/), plus the body lines of every <script>
 * element written out in src/ (not a ${...} substitution of a bundle, not type="application/json").
 */
function browserLinesOutsideChecker() {
  let lines = 0;
  for (const file of sourceFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    if (/[\\/]report[\\/]client-[^\\/]*\.ts$/.test(file)) {
      for (const m of text.matchAll(/String\.raw`([\s\S]*?)`/g)) lines += m[1].split("\n").filter((l) => l.trim() !== "").length;
    }
    for (const m of text.matchAll(/<script>([\s\S]*?)<\/script>/g)) {
      const body = m[1].trim();
      if (body !== "" && !/^\$\{[^}]*\}$/.test(body)) lines += body.split("\n").filter((l) => l.trim() !== "").length;
    }
  }
  return lines;
}

const names = exportedNames();
const counts = countNodes();
const result = {
  indexExports: { total: names.values.length + names.typesOnly.length, values: names.values.length, typesOnly: names.typesOnly.length },
  src: { casts: counts.casts, asConst: counts.asConst, angleBracketCasts: counts.angleCasts, nonNullAssertions: counts.nonNull, bracketBangText: counts.bracketBang },
  browserLinesOutsideChecker: browserLinesOutsideChecker(),
};
// The stricter flags tsconfig.json turns on (the build config extends it).
const { config: tsconfig } = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
result.compilerFlags = Object.fromEntries(["strict", "noUncheckedIndexedAccess", "exactOptionalPropertyTypes", "noUnusedLocals", "noUnusedParameters", "noImplicitReturns", "noFallthroughCasesInSwitch", "noImplicitOverride"].map((f) => [f, tsconfig.compilerOptions?.[f] === true]));
if (args.has("--flags")) {
  result.flags = {
    noUncheckedIndexedAccess: flagErrors("--noUncheckedIndexedAccess"),
    exactOptionalPropertyTypes: flagErrors("--exactOptionalPropertyTypes"),
  };
}
if (args.has("--list")) result.names = [...names.values, ...names.typesOnly].sort();
console.log(JSON.stringify(result, null, 2));
