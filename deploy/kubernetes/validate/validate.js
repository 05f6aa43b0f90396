#!/usr/bin/env node
// Offline validation of Kubernetes manifests, used by ../validate.sh when yamllint and
// kubernetes-validate cannot be installed from PyPI.
//
//   node validate.js FILE.yaml...
//
// For every file: YAML lint (parse errors, duplicate keys, tabs, trailing spaces, lines over 120
// characters, CR line ends, a missing or doubled final newline, a missing `---` document start,
// truthy values other than true/false). For every document: the object against the Kubernetes
// OpenAPI schema of its apiVersion and kind (kubernetes-models' validate(): required fields,
// types, enums, formats), and unknown fields, which those schemas let through (they have no
// additionalProperties: false): TypeScript compiles each object as a literal of the same models'
// interface type (IDeployment, ...), and every property of every nested literal is looked up in
// the type expected at its place, so each misspelled field is reported. Then a few
// checks the API server or kubelet would make later: workload selectors match their template's
// labels, Service, PodDisruptionBudget and NetworkPolicy selectors match a pod template of these
// files, probes name declared ports, no object is defined twice.
//
// YAML is read as YAML 1.1, as kubectl reads it (yes/no/on/off are booleans there, 0440 octal).
// Exit 0 when all is well, 1 when anything is wrong (every problem is listed as
// file:line: [document N Kind/name] path: message), 2 on a usage error.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { LineCounter, parseAllDocuments, visit } from "yaml";
import ts from "typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const MAX_LINE = 120;
const TRUTHY = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|True|TRUE|False|FALSE|on|On|ON|off|Off|OFF)$/;
const WORKLOADS = new Set(["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job"]);
// TypeScript's "Object literal may only specify known properties" (2353, and 2561 with a
// suggestion): the unknown-field errors
const UNKNOWN_FIELD_CODES = new Set([2353, 2561]);

const problems = [];
const objects = []; // { file, index, doc, lineCounter, obj, label, schemaErrors }
let unparsed = 0; // documents left out for parse errors: selectors may then miss their pods

function version(pkg) {
    return JSON.parse(fs.readFileSync(path.join(here, "node_modules", pkg, "package.json"), "utf8")).version;
}

function report(file, line, where, message) {
    problems.push({ file, line, where, message });
}

function rel(file) {
    return path.relative(process.cwd(), file) || file;
}

/** The line (1-based) of the node at `jsonPath` in the document, else of its nearest parent. */
function lineOf(entry, jsonPath) {
    for (let n = jsonPath.length; n >= 0; n--) {
        const node = n === 0 ? entry.doc.contents : entry.doc.getIn(jsonPath.slice(0, n), true);
        if (node && node.range) {
            return entry.lineCounter.linePos(node.range[0]).line;
        }
    }
    return 1;
}

function where(entry, jsonPath = []) {
    const pathText = jsonPath.length === 0 ? "" : " " + jsonPath.map(
        (p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "");
    return `[document ${entry.index} ${entry.label}]${pathText}`;
}

// ---------------------------------------------------------------- lint and parse, file by file

function lintText(file, text) {
    const lines = text.split("\n");
    if (text.includes("\r")) {
        report(file, text.slice(0, text.indexOf("\r")).split("\n").length, "", "CR line end (use LF only)");
    }
    if (text.length > 0 && !text.endsWith("\n")) {
        report(file, lines.length, "", "no newline at the end of the file");
    } else if (/\n\s*\n$/.test(text)) {
        report(file, lines.length - 1, "", "blank line(s) at the end of the file");
    }
    let started = false;
    lines.forEach((line, i) => {
        const n = i + 1;
        if (line.includes("\t")) {
            report(file, n, "", `tab character at column ${line.indexOf("\t") + 1}`);
        }
        if (/[ \t]+\r?$/.test(line)) {
            report(file, n, "", "trailing spaces");
        }
        const length = [...line.replace(/\r$/, "")].length;
        if (length > MAX_LINE) {
            report(file, n, "", `line too long (${length} > ${MAX_LINE} characters)`);
        }
        if (!started && line.trim() !== "" && !line.startsWith("#")) {
            started = true;
            if (!/^---(\s|$)/.test(line)) {
                report(file, n, "", "missing document start \"---\"");
            }
        }
    });
}

function parseFile(file) {
    let text;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        report(file, 0, "", `cannot be read: ${e.message}`);
        return;
    }
    lintText(file, text);
    const lineCounter = new LineCounter();
    const docs = parseAllDocuments(text, { version: "1.1", uniqueKeys: true, strict: true, lineCounter });
    let index = 0;
    let found = 0;
    for (const doc of docs) {
        index++;
        for (const e of [...doc.errors, ...doc.warnings]) {
            const line = e.pos ? lineCounter.linePos(e.pos[0]).line : 0;
            report(file, line, `[document ${index}]`, e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, ""));
        }
        visit(doc, {
            Scalar(_, node) {
                if (node.type === "PLAIN" && typeof node.source === "string" && TRUTHY.test(node.source)) {
                    const line = node.range ? lineCounter.linePos(node.range[0]).line : 0;
                    report(file, line, `[document ${index}]`,
                        `truthy value ${node.source} (write true or false, or quote it)`);
                }
            },
        });
        if (doc.contents === null) {
            continue; // an empty document, e.g. after a final "---"
        }
        found++;
        if (doc.errors.length > 0) {
            unparsed++;
            continue; // unparsable: nothing more to say
        }
        const obj = doc.toJS({ maxAliasCount: 100 });
        const entry = { file, index, doc, lineCounter, obj, label: "?" };
        if (obj === null || typeof obj !== "object" || Array.isArray(obj)) {
            report(file, lineOf(entry, []), `[document ${index}]`, "not a mapping (a Kubernetes object)");
            continue;
        }
        entry.label = `${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}`;
        objects.push(entry);
    }
    if (found === 0) {
        report(file, 1, "", "no Kubernetes object in the file");
    }
}

// ---------------------------------------------------------------- schema (kubernetes-models)

function modelSpecifier(obj) {
    if (typeof obj.apiVersion !== "string" || !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(obj.apiVersion)) {
        return null;
    }
    if (typeof obj.kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(obj.kind)) {
        return null;
    }
    return `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
}

function pointerToPath(pointer) {
    if (!pointer) {
        return [];
    }
    return pointer.split("/").slice(1).map((part) => {
        const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
        return /^\d+$/.test(key) ? Number(key) : key;
    });
}

async function checkSchema(entry) {
    const { obj, file } = entry;
    const specifier = modelSpecifier(obj);
    if (!specifier) {
        report(file, lineOf(entry, []), where(entry), "apiVersion and kind must be set (e.g. apps/v1, Deployment)");
        return false;
    }
    let model;
    try {
        model = (await import(specifier))[obj.kind];
    } catch {
        model = undefined;
    }
    if (typeof model !== "function") {
        report(file, lineOf(entry, ["kind"]), where(entry),
            `${obj.apiVersion} ${obj.kind} is not a Kubernetes API kind (kubernetes-models ${version("kubernetes-models")})`);
        return false;
    }
    entry.specifier = specifier;
    if (typeof obj.metadata?.name !== "string" || obj.metadata.name === "") {
        report(file, lineOf(entry, ["metadata"]), where(entry), "metadata.name is missing");
    }
    try {
        new model(obj).validate();
    } catch (e) {
        if (!Array.isArray(e.errors)) {
            throw e;
        }
        for (const error of e.errors) {
            const jsonPath = pointerToPath(error.instancePath);
            let message = error.message ?? error.keyword;
            if (error.params?.allowedValues) {
                message += ": " + error.params.allowedValues.map((v) => JSON.stringify(v)).join(", ");
            }
            report(file, lineOf(entry, jsonPath), where(entry, jsonPath), message);
        }
        entry.schemaErrors = true;
    }
    return true;
}

// ---------------------------------------------------------------- unknown fields (TypeScript)

/** Type-checks every object as a literal of its kubernetes-models interface; reports per object. */
function checkUnknownFields(entries) {
    if (entries.length === 0) {
        return;
    }
    const virtual = path.join(here, "__manifests__.mts");
    let source = "";
    const spans = [];
    entries.forEach((entry, i) => {
        source += `import type { I${entry.obj.kind} as T${i} } from "${entry.specifier}";\n`;
    });
    entries.forEach((entry, i) => {
        const head = `export const m${i}: T${i} = `;
        const start = source.length + head.length;
        source += head + JSON.stringify(entry.obj, null, 2) + ";\n";
        spans.push({ start, end: source.length, entry });
    });
    const options = {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
        lib: ["lib.es2022.d.ts"],
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
    };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, languageVersion, ...rest) => (path.resolve(name) === virtual
        ? ts.createSourceFile(name, source, languageVersion, true)
        : getSourceFile(name, languageVersion, ...rest));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === virtual || fileExists(name);
    const program = ts.createProgram([virtual], options, host);
    const sourceFile = program.getSourceFile(virtual);
    const spanOf = (position) => spans.find((s) => position >= s.start && position < s.end);

    // Every property of every object literal against the properties of the type the literal is
    // expected to have there (its contextual type). TypeScript's own excess-property error stops
    // at the first failure in a declaration; this finds every unknown field at once.
    const checker = program.getTypeChecker();
    const reported = new Set();
    const walk = (node) => {
        if (ts.isObjectLiteralExpression(node)) {
            const known = knownProperties(checker, node);
            if (known) {
                for (const property of node.properties) {
                    if (!ts.isPropertyAssignment(property)) {
                        continue;
                    }
                    const name = property.name.text;
                    if (!known.has(name)) {
                        const span = spanOf(property.getStart(sourceFile));
                        const jsonPath = literalPath(sourceFile, property.name.getStart(sourceFile));
                        const key = `${span.entry.file}#${span.entry.index}#${jsonPath.join("/")}`;
                        reported.add(key);
                        report(span.entry.file, lineOf(span.entry, jsonPath), where(span.entry, jsonPath),
                            `unknown field "${name}" (not in ${known.typeName})`);
                    }
                }
            }
        }
        ts.forEachChild(node, walk);
    };
    walk(sourceFile);

    const diagnostics = [
        ...program.getOptionsDiagnostics(),
        ...program.getGlobalDiagnostics(),
        ...program.getSyntacticDiagnostics(sourceFile),
        ...program.getSemanticDiagnostics(sourceFile),
    ];
    for (const d of diagnostics) {
        const text = ts.flattenDiagnosticMessageText(d.messageText, "\n").split("\n");
        const span = d.file === sourceFile ? spanOf(d.start) : undefined;
        if (!span) {
            report("(TypeScript)", 0, "", text.join(" "));
            continue;
        }
        const unknownField = UNKNOWN_FIELD_CODES.has(d.code);
        if (!unknownField && span.entry.schemaErrors) {
            continue; // already reported by the schema check, in its words
        }
        const jsonPath = literalPath(sourceFile, d.start);
        if (unknownField && reported.has(`${span.entry.file}#${span.entry.index}#${jsonPath.join("/")}`)) {
            continue; // found by the walk above
        }
        // a long elaboration ends with the message about the innermost property: keep that one
        const message = (unknownField ? "unknown field: " : "") + text[text.length - 1].trim()
            .replace(/'"([^"]+)"'/g, "'$1'");
        report(span.entry.file, lineOf(span.entry, jsonPath), where(span.entry, jsonPath), message);
    }
}

/**
 * The property names an object literal may have where it stands, with the type's name; null when
 * any name goes (an index signature such as labels', any, no contextual type) or when no object
 * is expected there at all (the schema check reports that).
 */
function knownProperties(checker, literal) {
    const contextual = checker.getContextualType(literal);
    if (!contextual) {
        return null;
    }
    const type = checker.getNonNullableType(contextual);
    const members = type.isUnion() ? type.types : [type];
    const known = new Set();
    let objectExpected = false;
    for (const member of members) {
        if (member.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown | ts.TypeFlags.NonPrimitive)) {
            return null;
        }
        if (!(member.flags & ts.TypeFlags.Object)) {
            continue;
        }
        objectExpected = true;
        if (checker.getIndexInfosOfType(member).length > 0) {
            return null;
        }
        for (const property of checker.getPropertiesOfType(member)) {
            known.add(property.name);
        }
    }
    if (!objectExpected) {
        return null;
    }
    known.typeName = checker.typeToString(type);
    return known;
}

/** The JSON path of the deepest node of the object literal that holds `position`. */
function literalPath(sourceFile, position) {
    let node = sourceFile;
    for (;;) {
        const child = node.getChildren(sourceFile).find((c) => c.getStart(sourceFile) <= position && position < c.end);
        if (!child) {
            break;
        }
        node = child;
    }
    const jsonPath = [];
    for (let n = node; n && !ts.isVariableDeclaration(n); n = n.parent) {
        const parent = n.parent;
        if (parent && ts.isPropertyAssignment(parent) && (n === parent.name || n === parent.initializer)) {
            const name = parent.name;
            jsonPath.unshift(ts.isStringLiteral(name) || ts.isIdentifier(name) ? name.text : name.getText(sourceFile));
        } else if (parent && ts.isArrayLiteralExpression(parent)) {
            jsonPath.unshift(parent.elements.indexOf(n));
        }
    }
    return jsonPath;
}

// ---------------------------------------------------------------- what the API server or kubelet would say

function labelsMatch(selector, labels) {
    return Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
}

function checkRelations(entries) {
    const templates = [];
    const seen = new Map();
    for (const entry of entries) {
        const { obj, file } = entry;
        const group = obj.apiVersion.includes("/") ? obj.apiVersion.split("/")[0] : "";
        const id = `${group}/${obj.kind}/${obj.metadata?.namespace ?? ""}/${obj.metadata?.name}`;
        if (seen.has(id)) {
            report(file, lineOf(entry, ["metadata", "name"]), where(entry, ["metadata", "name"]),
                `defined twice (also ${seen.get(id)})`);
        } else {
            seen.set(id, `${rel(file)} document ${entry.index}`);
        }
        if (!WORKLOADS.has(obj.kind) || !obj.spec?.template) {
            continue;
        }
        const labels = obj.spec.template.metadata?.labels ?? {};
        templates.push({ namespace: obj.metadata?.namespace, labels });
        const selector = obj.spec.selector?.matchLabels;
        if (selector && !labelsMatch(selector, labels)) {
            report(file, lineOf(entry, ["spec", "selector"]), where(entry, ["spec", "selector", "matchLabels"]),
                "does not match spec.template.metadata.labels (the API server refuses it)");
        }
        const podSpec = obj.spec.template.spec ?? {};
        for (const kind of ["containers", "initContainers"]) {
            (podSpec[kind] ?? []).forEach((container, c) => {
                const names = new Set((container.ports ?? []).map((p) => p.name).filter(Boolean));
                for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                    const handler = container[probe]?.httpGet ?? container[probe]?.tcpSocket ?? container[probe]?.grpc;
                    if (handler && typeof handler.port === "string" && !names.has(handler.port)) {
                        const p = ["spec", "template", "spec", kind, c, probe];
                        report(file, lineOf(entry, p), where(entry, p),
                            `port "${handler.port}" is not a named port of the container`);
                    }
                }
            });
        }
    }
    for (const entry of entries) {
        const { obj, file } = entry;
        let selectorPath = null;
        if (obj.kind === "Service" && obj.spec?.selector) {
            selectorPath = ["spec", "selector"];
        } else if (obj.kind === "PodDisruptionBudget" && obj.spec?.selector?.matchLabels) {
            selectorPath = ["spec", "selector", "matchLabels"];
        } else if (obj.kind === "NetworkPolicy" && obj.spec?.podSelector?.matchLabels) {
            selectorPath = ["spec", "podSelector", "matchLabels"];
        }
        if (!selectorPath || unparsed > 0) {
            continue;
        }
        const selector = selectorPath.reduce((o, k) => o?.[k], obj);
        const matched = templates.some((t) => t.namespace === obj.metadata?.namespace && labelsMatch(selector, t.labels));
        if (!matched) {
            report(file, lineOf(entry, selectorPath), where(entry, selectorPath),
                "selects no pod template of these manifests");
        }
    }
}

// ---------------------------------------------------------------- main

async function main() {
    const files = process.argv.slice(2);
    if (files.length === 0) {
        console.error("usage: node validate.js FILE.yaml...");
        process.exit(2);
    }
    for (const file of files) {
        parseFile(path.resolve(file));
    }
    const known = [];
    for (const entry of objects) {
        if (await checkSchema(entry)) {
            known.push(entry);
        }
    }
    checkUnknownFields(known);
    checkRelations(known);

    const byFile = new Map();
    for (const entry of objects) {
        byFile.set(entry.file, [...(byFile.get(entry.file) ?? []), entry.label]);
    }
    if (problems.length > 0) {
        problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
        for (const p of problems) {
            console.error(`${rel(p.file)}:${p.line}: ${p.where ? p.where + ": " : ""}${p.message}`);
        }
        console.error(`validate.js: ${problems.length} problem(s) in ${files.length} file(s)`);
        process.exit(1);
    }
    for (const [file, labels] of byFile) {
        console.log(`ok  ${rel(file)}: ${labels.join(", ")}`);
    }
    console.log(`validated ${objects.length} objects in ${files.length} files: Kubernetes schemas `
        + `(kubernetes-models ${version("kubernetes-models")}), unknown fields (TypeScript ${ts.version} `
        + `on the same models), YAML lint (yaml ${version("yaml")}: parse errors, duplicate keys, tabs, `
        + `trailing spaces, lines over ${MAX_LINE}, document start, truthy values), selectors and probe ports`);
}

await main();
