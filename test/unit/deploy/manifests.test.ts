// Everything under deploy/ parses; the Kubernetes objects are well-formed and agree with each
// other and with the settings; every config example (the ConfigMap's, the image's, compose's,
// and ```yaml arbiter-config / ```json arbiter-config blocks in Markdown) loads through the
// settings schema; the Dockerfile copies only what exists.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import type { ArbiterConfig } from "@arbiter/shared/config/arbiter-config.js";
import { loadConfig } from "@arbiter/shared/config/load-config.js";
import { repoRoot } from "../../support/env.js";

const deployDir = path.join(repoRoot, "deploy");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

const relative = (file: string) => path.relative(repoRoot, file);
const deployFiles = filesUnder(deployDir);
const yamlFiles = deployFiles.filter((f) => /\.ya?ml$/.test(f));
const jsonFiles = deployFiles.filter((f) => f.endsWith(".json"));

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [key: string]: unknown };

/** Every YAML document of a file, parsed (throws naming the file and line when one does not parse). */
function yamlDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(file, "utf8")).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${relative(file)}: ${doc.errors[0]!.message}`);
    return doc.toJS() as unknown;
  });
}

const k8sObjects: Array<{ file: string; object: K8sObject }> = yamlFiles
  .filter((f) => f.includes(`${path.sep}k8s${path.sep}`))
  .flatMap((file) => yamlDocuments(file).map((object) => ({ file: relative(file), object: object as K8sObject })));

function objectsOf<T = K8sObject>(kind: string): T[] {
  return k8sObjects.filter(({ object }) => object.kind === kind).map(({ object }) => object as unknown as T);
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "arbiter-config-examples-"));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Loads a config example as the worker would: a file named by ARBITER_CONFIG. */
function loadExample(name: string, text: string, format: "yaml" | "json"): ArbiterConfig {
  const file = path.join(scratch, `${name.replace(/[^\w.-]+/g, "_")}.${format}`);
  writeFileSync(file, text);
  // An example teaches the settings as they are: a deprecated key fails it like a bad one.
  return loadConfig({}, { ARBITER_CONFIG: file }, (warning) => {
    throw new Error(warning);
  });
}

/** The ```yaml arbiter-config and ```json arbiter-config blocks of a Markdown file. */
function markdownExamples(file: string): Array<{ name: string; text: string; format: "yaml" | "json" }> {
  const blocks = [...readFileSync(file, "utf8").matchAll(/^```(yaml|json) arbiter-config[^\n]*\n([\s\S]*?)^```$/gm)];
  return blocks.map((m, i) => ({ name: `${relative(file)}#${i + 1}`, text: m[2]!, format: m[1] as "yaml" | "json" }));
}

test("every YAML and JSON file under deploy/ parses", () => {
  expect(yamlFiles.length).toBeGreaterThanOrEqual(10);
  for (const file of yamlFiles) expect(() => yamlDocuments(file)).not.toThrow();
  for (const file of jsonFiles) expect(() => JSON.parse(readFileSync(file, "utf8"))).not.toThrow();
});

test("every document under deploy/k8s is a Kubernetes object with apiVersion, kind and metadata.name, each name once per kind", () => {
  expect(k8sObjects.length).toBeGreaterThanOrEqual(12);
  for (const { file, object } of k8sObjects) {
    expect({ file, apiVersion: typeof object.apiVersion, kind: typeof object.kind, name: typeof object.metadata?.name }).toEqual({
      file,
      apiVersion: "string",
      kind: "string",
      name: "string",
    });
  }
  const keys = k8sObjects.map(({ object }) => `${object.kind}/${object.metadata.name}`);
  expect(new Set(keys).size).toBe(keys.length);
});

const CLASSIFIER_ROLES = ["primary", "escalation"];
/** Every deployable component: the classifier's two roles, the two sinks, the console, the ingest gateway and the record worker. */
const COMPONENTS = [...CLASSIFIER_ROLES, "auto-hide", "tickets", "console", "ingest", "record"];

interface Container {
  command?: string[];
  env: Array<{ name: string; value?: string }>;
  resources: { limits: Record<string, unknown> };
  ports: Array<{ name: string; containerPort: number }>;
  startupProbe: { httpGet: { path: string; port?: string } };
  livenessProbe: { httpGet: { path: string; port?: string } };
  readinessProbe: { httpGet: { path: string; port?: string } };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}
interface Deployment extends K8sObject {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: { containers: Container[]; volumes: Array<{ name: string; configMap?: { name: string } }> };
    };
  };
}

const configMap = objectsOf<{ metadata: { name: string }; data: Record<string, string> }>("ConfigMap").find((c) => c.metadata.name === "arbiter-config")!;
const workerConfig = (role: string) => loadConfig({}, { ARBITER_CONFIG: writeConfigMapConfig(), ARBITER_ROLE: role });
function writeConfigMapConfig(): string {
  const file = path.join(scratch, "configmap-arbiter.yaml");
  writeFileSync(file, configMap.data["arbiter.yaml"]!);
  return file;
}

test("one Deployment per role: a GPU each, probes on /healthz and /readyz, the role in ARBITER_ROLE, the ConfigMap mounted where ARBITER_CONFIG points", () => {
  const deployments = objectsOf<Deployment>("Deployment").filter((d) => CLASSIFIER_ROLES.includes(d.metadata.labels?.["arbiter.io/role"] ?? ""));
  expect(deployments.map((d) => d.metadata.labels?.["arbiter.io/role"]).sort()).toEqual(["escalation", "primary"]);
  for (const d of deployments) {
    const role = d.metadata.labels!["arbiter.io/role"]!;
    const pod = d.spec.template;
    expect(pod.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    const [worker] = pod.spec.containers;
    expect(worker!.resources.limits["nvidia.com/gpu"]).toBe(1);
    expect(worker!.env.find((e) => e.name === "ARBITER_ROLE")?.value).toBe(role);
    expect([worker!.startupProbe.httpGet.path, worker!.livenessProbe.httpGet.path, worker!.readinessProbe.httpGet.path]).toEqual([
      "/healthz",
      "/healthz",
      "/readyz",
    ]);
    const config = workerConfig(role);
    expect(worker!.ports.find((p) => p.name === "http")?.containerPort).toBe(config.http.port);
    expect(config.http.host).toBe("0.0.0.0");
    const configPath = worker!.env.find((e) => e.name === "ARBITER_CONFIG")!.value!;
    const mount = worker!.volumeMounts.find((m) => configPath.startsWith(`${m.mountPath}/`))!;
    expect(pod.spec.volumes.find((v) => v.name === mount.name)?.configMap?.name).toBe("arbiter-config");
    // The model the role loads lies in a mounted volume.
    const modelPath = (role === "escalation" ? config.escalationEngine : config.engine).modelPath;
    expect(worker!.volumeMounts.some((m) => modelPath.startsWith(`${m.mountPath}/`))).toBe(true);
  }
});

test("each PodDisruptionBudget selects one role's pods, each ScaledObject scales a Deployment on its role's group and topic", () => {
  const deployments = objectsOf<Deployment>("Deployment");
  for (const pdb of objectsOf<{ metadata: { name: string }; spec: { selector: { matchLabels: Record<string, string> } } }>("PodDisruptionBudget")) {
    const selected = deployments.filter((d) => Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
    expect({ pdb: pdb.metadata.name, selects: selected.length }).toEqual({ pdb: pdb.metadata.name, selects: 1 });
  }
  type Trigger = { type: string; metadata: Record<string, string>; authenticationRef: { name: string } };
  const scaled = objectsOf<{ spec: { scaleTargetRef: { name: string }; triggers: Trigger[] } }>("ScaledObject");
  expect(scaled.length).toBe(2);
  const auth = new Set(objectsOf("TriggerAuthentication").map((t) => t.metadata.name));
  for (const s of scaled) {
    const target = deployments.find((d) => d.metadata.name === s.spec.scaleTargetRef.name)!;
    const role = target.metadata.labels!["arbiter.io/role"]!;
    const config = workerConfig(role);
    const [trigger] = s.spec.triggers;
    expect(trigger!.type).toBe("kafka");
    expect(trigger!.metadata.consumerGroup).toBe(role === "escalation" ? `${config.kafka.groupId}.escalation` : config.kafka.groupId);
    expect(trigger!.metadata.topic).toBe(role === "escalation" ? config.kafka.topics.escalations : config.kafka.topics.posts);
    expect(trigger!.metadata.bootstrapServers!.split(",")).toEqual(config.kafka.brokers);
    expect(Number(trigger!.metadata.lagThreshold)).toBeGreaterThan(0);
    expect(auth.has(trigger!.authenticationRef.name)).toBe(true);
  }
});

test("the Secrets hold placeholders, not credentials", () => {
  const secrets = objectsOf<{ metadata: { name: string }; stringData?: Record<string, string>; data?: Record<string, string> }>("Secret");
  expect(secrets.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    expect(secret.data).toBeUndefined();
    for (const [key, value] of Object.entries(secret.stringData ?? {}))
      if (/password|\.crt|\.key/.test(key))
        expect({ secret: secret.metadata.name, key, value }).toEqual({ secret: secret.metadata.name, key, value: "REPLACE_ME" });
  }
});

test("every config example loads through the settings schema: the ConfigMap's, the image's, compose's and the Markdown ones", () => {
  const examples = [
    { name: "deploy/k8s/configmap.yaml arbiter.yaml", text: configMap.data["arbiter.yaml"]!, format: "yaml" as const },
    ...["deploy/container/arbiter.yaml", "deploy/compose/arbiter.yaml"].map((f) => ({
      name: f,
      text: readFileSync(path.join(repoRoot, f), "utf8"),
      format: "yaml" as const,
    })),
    ...[
      path.join(repoRoot, "README.md"),
      ...readdirSync(path.join(repoRoot, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => path.join(repoRoot, "docs", f)),
      ...deployFiles.filter((f) => f.endsWith(".md")),
    ].flatMap(markdownExamples),
  ];
  const failures: string[] = [];
  for (const example of examples) {
    try {
      loadExample(example.name, example.text, example.format);
    } catch (error) {
      failures.push(`${example.name}: ${(error as Error).message}`);
    }
  }
  expect(failures).toEqual([]);
  // deploy/GPU.md has a profile per model and GPU size; the operator's guide shows the security settings.
  expect(examples.filter((e) => e.name.startsWith("deploy/GPU.md#")).length).toBeGreaterThanOrEqual(6);
  expect(examples.filter((e) => e.name.startsWith("docs/operators-guide.md#")).length).toBeGreaterThanOrEqual(1);
});

test("the compose stack: Kafka in KRaft mode, Redis, both roles from the Dockerfile's CPU variant, the workers pointed at the compose services", () => {
  const [compose] = yamlDocuments(path.join(deployDir, "compose/compose.yaml")) as Array<{
    services: Record<string, { image?: string; build?: { args: Record<string, string>; dockerfile: string }; environment?: Record<string, string> }>;
  }>;
  const { kafka, redis, primary, escalation } = compose!.services;
  expect(kafka?.environment?.KAFKA_PROCESS_ROLES).toBe("broker,controller");
  expect(redis?.image).toMatch(/^redis:/);
  expect(primary?.build).toMatchObject({ args: { VARIANT: "cpu" }, dockerfile: "deploy/Dockerfile" });
  expect([primary?.environment?.ARBITER_ROLE, escalation?.environment?.ARBITER_ROLE]).toEqual(["primary", "escalation"]);
  const config = loadExample("compose", readFileSync(path.join(deployDir, "compose/arbiter.yaml"), "utf8"), "yaml");
  expect(config.kafka.brokers).toEqual(["kafka:9092"]);
  expect(config.redis.url).toBe("redis://redis:6379");
  expect(config.engine.gpu).toBe(false);
});

test("the Dockerfile builds in stages from a CUDA 12 runtime (or Node's image for the CPU) and Node 20, installs production dependencies, runs the built worker as a non-root user, and copies only paths that exist", () => {
  const dockerfile = readFileSync(path.join(deployDir, "Dockerfile"), "utf8");
  expect(dockerfile).toMatch(/^ARG CUDA_IMAGE=nvidia\/cuda:12\.\d+\.\d+-runtime-ubuntu(22|24)\.04$/m);
  expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20-/m);
  expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
  expect(dockerfile).toMatch(/^RUN npm run build$/m);
  expect(dockerfile).toMatch(/^ARG VARIANT=gpu$/m);
  expect(dockerfile).toMatch(/^FROM base-\$\{VARIANT\} AS runtime$/m);
  expect([...dockerfile.matchAll(/^USER (\d+)/gm)].map((m) => Number(m[1]))).toEqual([10001]);
  expect([...dockerfile.matchAll(/^ENTRYPOINT (.*)$/gm)].map((m) => m[1])).toEqual(['["node", "dist/workers/classifier/main.js"]']);
  const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
  expect(sources.length).toBeGreaterThan(8);
  for (const source of sources) expect({ source, exists: existsSync(path.join(repoRoot, source)) }).toEqual({ source, exists: true });
  const ignored = readFileSync(path.join(deployDir, "Dockerfile.dockerignore"), "utf8");
  for (const source of new Set(sources.map((s) => s.replace(/\/.*$/, ""))))
    expect({ source, reincluded: ignored.includes(`!${source}`) }).toEqual({ source, reincluded: true });
});

interface NetworkPolicy extends K8sObject {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress: Array<{ from?: unknown[]; ports: Array<{ port: string | number }> }>;
    egress: Array<{ to?: unknown[]; ports: Array<{ port: string | number }> }>;
  };
}

describe("every component", () => {
  const deployments = objectsOf<Deployment>("Deployment");
  const policies = objectsOf<NetworkPolicy>("NetworkPolicy");
  const roleOf = (o: { metadata: { labels?: Record<string, string> } }) => o.metadata.labels?.["arbiter.io/role"];
  let config: ArbiterConfig;
  beforeAll(() => {
    config = workerConfig("primary");
  });

  test("has a Deployment and a NetworkPolicy, and kustomize applies them", () => {
    expect(deployments.map(roleOf).sort()).toEqual([...COMPONENTS].sort());
    // The nightly sweep's CronJob has a NetworkPolicy of its own too.
    expect(policies.map(roleOf).sort()).toEqual([...COMPONENTS, "sweep"].sort());
    const kustomization = yamlDocuments(path.join(deployDir, "k8s/kustomization.yaml"))[0] as { resources: string[] };
    const listed = new Set(
      k8sObjects.filter(({ file }) => kustomization.resources.includes(path.basename(file))).map(({ object }) => `${object.kind}/${object.metadata.name}`),
    );
    for (const d of deployments) expect(listed).toContain(`Deployment/${d.metadata.name}`);
    for (const p of policies) expect(listed).toContain(`NetworkPolicy/${p.metadata.name}`);
    expect(listed).toContain("CronJob/arbiter-sweep");
  });

  test("sweep: applied suspended, as its own principal, its pods under a NetworkPolicy that lets nothing in", () => {
    type CronJob = K8sObject & {
      spec: { suspend?: boolean; jobTemplate: { spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Container[] } } } } };
    };
    const sweep = objectsOf<CronJob>("CronJob").find((c) => c.metadata.name === "arbiter-sweep")!;
    // It needs a second 80 GB GPU at night: applying the kustomization must not schedule it unasked.
    expect(sweep.spec.suspend).toBe(true);
    const pod = sweep.spec.jobTemplate.spec.template;
    const env = JSON.parse(pod.spec.containers[0]!.env.find((e) => e.name === "ARBITER_CONFIG_JSON")!.value!) as { kafka: { sasl: { username: string } } };
    expect(env.kafka.sasl.username).toBe("arbiter-sweep");
    const policy = policies.find((p) => roleOf(p) === "sweep")!;
    expect(Object.entries(policy.spec.podSelector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
    expect(policy.spec.ingress).toEqual([]);
  });

  test.each(COMPONENTS)("%s: probes on the http port, /metrics on a port of its own that Prometheus scrapes, its own workspace run", (role) => {
    const d = deployments.find((x) => roleOf(x) === role)!;
    const pod = d.spec.template;
    const [container] = pod.spec.containers;
    expect(pod.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    expect([container!.startupProbe, container!.livenessProbe, container!.readinessProbe].map((p) => [p.httpGet.path, p.httpGet.port])).toEqual([
      ["/healthz", "http"],
      ["/healthz", "http"],
      ["/readyz", "http"],
    ]);
    const port = (name: string) => container!.ports.find((p) => p.name === name)?.containerPort;
    expect(port("http")).toBe(config.http.port);
    expect(config.http.metricsPort).toBeDefined();
    expect(port("metrics")).toBe(config.http.metricsPort);
    expect(port("metrics")).not.toBe(port("http"));
    expect(pod.metadata.annotations?.["prometheus.io/port"]).toBe(String(config.http.metricsPort));
    // The sinks and the console run their own workspace of the one image (its entrypoint is the classifier's).
    const main = CLASSIFIER_ROLES.includes(role) ? "classifier" : role;
    if (main !== "classifier") expect(container!.command).toEqual(["node", `dist/workers/${main}/main.js`]);
    expect(existsSync(path.join(repoRoot, "workers", main, "main.ts"))).toBe(true);
    // Its own Kafka principal, which deploy/kafka-acls.sh grants.
    const principal = JSON.parse(container!.env.find((e) => e.name === "ARBITER_CONFIG_JSON")!.value!) as { kafka: { sasl: { username: string } } };
    expect(principal.kafka.sasl.username).toBe(`arbiter-${role}`);
  });

  test.each([
    ["console", (c: ArbiterConfig) => c.console],
    ["ingest", (c: ArbiterConfig) => c.ingest],
  ] as const)("%s: its web server listens on every address of the pod, on the port its Deployment and Service name `web`", (role, section) => {
    const d = deployments.find((x) => roleOf(x) === role)!;
    const { host, port } = section(config);
    expect(host).toBe("0.0.0.0");
    expect(d.spec.template.spec.containers[0]!.ports.find((p) => p.name === "web")?.containerPort).toBe(port);
    const service = objectsOf<{ metadata: { name: string }; spec: { ports: Array<{ targetPort: string }> } }>("Service").find(
      (x) => x.metadata.name === d.metadata.name,
    );
    expect(service?.spec.ports.map((p) => p.targetPort)).toEqual(["web"]);
  });

  test.each(COMPONENTS)("%s: its NetworkPolicy selects its pods only, lets Prometheus alone reach /metrics, and limits egress", (role) => {
    const policy = policies.find((p) => roleOf(p) === role)!;
    const d = deployments.find((x) => roleOf(x) === role)!;
    expect(policy.spec.podSelector.matchLabels).toEqual(d.spec.selector.matchLabels);
    expect(policy.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    const metricsRule = policy.spec.ingress.find((r) => r.ports.some((p) => p.port === "metrics"))!;
    expect(JSON.stringify(metricsRule.from)).toMatch(/prometheus/);
    expect(policy.spec.ingress.every((r) => r.ports.every((p) => ["http", "metrics", "web"].includes(String(p.port))))).toBe(true);
    // Only the console and the ingest gateway take traffic from outside (their web ports, from the ingress controller).
    expect(policy.spec.ingress.some((r) => r.ports.some((p) => p.port === "web"))).toBe(role === "console" || role === "ingest");
    // Only the sinks (the forum, the pager, the ticket system) and the ingest gateway's pollers call out over HTTPS.
    expect(policy.spec.egress.some((r) => r.ports.some((p) => p.port === 443))).toBe(["auto-hide", "tickets", "ingest"].includes(role));
    // Only the record worker reaches PostgreSQL.
    expect(policy.spec.egress.some((r) => r.ports.some((p) => p.port === 5432))).toBe(role === "record");
  });

  test("record: an initContainer migrates the store before the worker starts, with the worker's settings and the PostgreSQL password file", () => {
    type Volume = { name: string; secret?: { secretName: string; items?: Array<{ key: string; path: string }> } };
    const d = deployments.find((x) => roleOf(x) === "record")!;
    const pod = d.spec.template.spec as unknown as { initContainers: Container[]; containers: Container[]; volumes: Volume[] };
    const [migrate] = pod.initContainers;
    expect(migrate!.command).toEqual(["node", "dist/workers/cli/main.js", "record", "migrate"]);
    expect(existsSync(path.join(repoRoot, "workers/cli/commands/record.ts"))).toBe(true);
    expect(migrate!.env.find((e) => e.name === "ARBITER_CONFIG")?.value).toBe(pod.containers[0]!.env.find((e) => e.name === "ARBITER_CONFIG")?.value);
    // The ConfigMap's record.postgres.password is a file that the credentials Secret puts where both containers mount it.
    const url = config.record.postgres.url;
    expect(url).toMatch(/^postgres:\/\/[^@/]+:5432\//);
    const passwordFile = /password: \{ file: (\S+) \}/.exec(configMap.data["arbiter.yaml"]!.slice(configMap.data["arbiter.yaml"]!.indexOf("\nrecord:")))?.[1];
    expect(passwordFile).toBeDefined();
    for (const container of [migrate!, pod.containers[0]!]) {
      const mount = container.volumeMounts.find((m) => passwordFile!.startsWith(`${m.mountPath}/`))!;
      const volume = pod.volumes.find((v) => v.name === mount.name)!;
      expect(volume.secret?.items?.some((i) => i.path === path.relative(mount.mountPath, passwordFile!))).toBe(true);
    }
  });
});

test("the image holds every workspace: the Dockerfile copies each one's package.json", () => {
  const dockerfile = readFileSync(path.join(deployDir, "Dockerfile"), "utf8");
  const workspaces = readdirSync(path.join(repoRoot, "workers")).filter((w) => existsSync(path.join(repoRoot, "workers", w, "package.json")));
  expect(workspaces).toEqual(expect.arrayContaining(["classifier", "auto-hide", "tickets", "console", "cli"]));
  for (const w of ["shared", ...workspaces.map((x) => `workers/${x}`)]) expect(dockerfile).toContain(`COPY ${w}/package.json ${w}/`);
});

test("Kafka ACLs: only the console writes appeals, only the escalation role acts on them, the sinks write dead letters only", () => {
  const commands = execFileSync("bash", [path.join(deployDir, "kafka-acls.sh")], { env: { ...process.env, DRY_RUN: "1" }, encoding: "utf8" })
    .trim()
    .split("\n");
  const grants = commands.map((c) => {
    const principal = /--allow-principal User:(\S+)/.exec(c)![1]!;
    const operations = [...c.matchAll(/--operation (\S+)/g)].map((m) => m[1]!);
    const topic = /--topic (\S+)/.exec(c)?.[1];
    return { principal, operations, topic };
  });
  const who = (operation: string, topic: string) =>
    [...new Set(grants.filter((g) => g.topic === topic && g.operations.includes(operation)).map((g) => g.principal))].sort();
  expect(who("Write", "moderation.appeals")).toEqual(["arbiter-console"]);
  // The record worker reads appeals to store them; only the escalation role decides on them.
  expect(who("Read", "moderation.appeals")).toEqual(["arbiter-escalation", "arbiter-record"]);
  expect(who("Write", "moderation.decisions")).toEqual(["arbiter-console", "arbiter-escalation", "arbiter-primary"]);
  // Tickets come from the escalation role and the nightly sweep (tagged `sweep`).
  expect(who("Write", "moderation.tickets")).toEqual(["arbiter-escalation", "arbiter-sweep"]);
  for (const sink of ["arbiter-auto-hide", "arbiter-tickets"])
    expect(grants.filter((g) => g.principal === sink && g.operations.includes("Write")).map((g) => g.topic)).toEqual(["moderation.dlq"]);
  // The ingest gateway writes posts and its events, and reads nothing.
  const ingest = grants.filter((g) => g.principal === "arbiter-ingest" && g.topic !== undefined);
  expect(ingest.map((g) => [g.operations.join("+"), g.topic])).toEqual([
    ["Write", "moderation.posts"],
    ["Write", "moderation.ingest-events"],
  ]);
  // The record worker reads its four topics in one group per topic (record.groupId + "." + the topic's key,
  // workers/record/record-worker.ts) and writes dead letters only; erasure's tombstones are an operator's.
  const config = loadConfig({}, { ARBITER_CONFIG: writeConfigMapConfig() });
  const recordKeys = ["decisions", "audit", "tickets", "appeals"] as const;
  const record = grants.filter((g) => g.principal === "arbiter-record");
  expect(record.filter((g) => g.topic !== undefined && g.operations.includes("Read")).map((g) => g.topic)).toEqual(
    recordKeys.map((k) => config.kafka.topics[k]),
  );
  expect(record.filter((g) => g.operations.includes("Write")).map((g) => g.topic)).toEqual([config.kafka.topics.dlq]);
  const groups = commands.filter((c) => c.includes("User:arbiter-record ") && c.includes("--group")).map((c) => /--group (\S+)/.exec(c)![1]);
  expect(groups).toEqual(recordKeys.map((k) => `${config.record.groupId}.${k}`));
  // The sweep reads posts and decisions through throwaway groups arbiter-range-* (set, then deleted) and writes tickets only.
  const sweep = commands.filter((c) => c.includes("User:arbiter-sweep "));
  expect(grants.filter((g) => g.principal === "arbiter-sweep" && g.topic !== undefined).map((g) => [g.operations.join("+"), g.topic])).toEqual([
    // The script names every topic moderation.<key>, posts too (as the ingest gateway's grants above).
    ["Read", "moderation.posts"],
    ["Read", config.kafka.topics.decisions],
    ["Write", config.kafka.topics.tickets],
  ]);
  expect(sweep.filter((c) => c.includes("--group"))).toEqual([
    expect.stringMatching(/--operation Read --operation Delete --group arbiter-range- --resource-pattern-type prefixed$/),
  ]);
  // Every component's principal has grants.
  for (const role of COMPONENTS) expect(grants.some((g) => g.principal === `arbiter-${role}`)).toBe(true);
});
