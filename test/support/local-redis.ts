/** A redis-server of the tests' own on a free loopback port (Debian's package; see system-tools.ts). */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { onPath } from "./system-tools.js";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** Start `redisServer` without persistence and wait until it answers PING (redis-cli beside it). */
export async function startRedis(redisServer: string): Promise<{ process: ChildProcess; port: number; address: string; url: string }> {
  const port = await freePort();
  const child = spawn(redisServer, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const beside = join(dirname(redisServer), "redis-cli");
  const cli = existsSync(beside) ? beside : (onPath("redis-cli") ?? "redis-cli");
  const end = Date.now() + 20_000;
  while (spawnSync(cli, ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() !== "PONG") {
    if (Date.now() > end) {
      child.kill("SIGKILL");
      throw new Error(`redis-server on port ${port} did not answer within 20 s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { process: child, port, address: `127.0.0.1:${port}`, url: `redis://127.0.0.1:${port}` };
}
