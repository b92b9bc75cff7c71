import { afterEach, describe, expect, it } from "vitest";
import { queueName, redisOptions } from "./distributed.js";
import { loadSweep } from "./spec.js";
import { join } from "node:path";
import { packageRoot } from "../common/package-root.js";

describe("Redis connection options and queue names", () => {
  afterEach(() => {
    delete process.env.ATTNSIM_REDIS_PASSWORD;
  });
  it("host, port, password, db and TLS come from the URL; the environment's password wins", () => {
    expect(redisOptions("redis://10.0.0.5:6380")).toMatchObject({ host: "10.0.0.5", port: 6380, maxRetriesPerRequest: null });
    expect(redisOptions("redis://:s%40cret@h:1/3")).toMatchObject({ host: "h", port: 1, password: "s@cret", db: 3 });
    expect(redisOptions("redis://user:pw@h")).toMatchObject({ username: "user", password: "pw", port: 6379 });
    expect(redisOptions("rediss://h:6380").tls).toEqual({});
    expect(redisOptions("redis://h").tls).toBeUndefined();
    process.env.ATTNSIM_REDIS_PASSWORD = "from-env";
    expect(redisOptions("redis://:pw@h").password).toBe("from-env");
  });
  it("refuses other schemes with the flag named", () => {
    expect(() => redisOptions("http://h:6379")).toThrow(/--backend: expected a redis:\/\/ or rediss:\/\/ URL/);
    expect(() => redisOptions("not a url")).toThrow(/--backend: expected redis:\/\/\[:PASSWORD@\]HOST:PORT/);
  });
  it("one queue per sweep: the same spec the same name, a different spec another", () => {
    const a = loadSweep(join(packageRoot(), "examples", "sweeps", "systolic-sizing.yaml"));
    const b = loadSweep(join(packageRoot(), "examples", "sweeps", "sram-vs-bandwidth.yaml"));
    expect(queueName(a)).toBe(queueName(loadSweep(join(packageRoot(), "examples", "sweeps", "systolic-sizing.yaml"))));
    expect(queueName(a)).toMatch(/^attnsim-systolic-sizing-[0-9a-f]{12}$/);
    expect(queueName(b)).not.toBe(queueName(a));
    const changed = { ...a, constraints: ["areaMm2 <= 3"] };
    expect(queueName(changed)).not.toBe(queueName(a));
  });
});
