// Port checks, so a clash is reported by port number and owner rather than as a crash later on.
import net from 'node:net'

class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly service: string,
  ) {
    super(
      `port ${port} (needed by ${service}) is already in use by another process; ` +
        `stop it (\`ss -ltnp 'sport = :${port}'\` shows which) or run \`npm run stack:down\``,
    )
    this.name = 'PortInUseError'
  }
}

/** True when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)))
  })
}

export async function assertPortFree(port: number, service: string): Promise<void> {
  if (!(await portFree(port))) throw new PortInUseError(port, service)
}
