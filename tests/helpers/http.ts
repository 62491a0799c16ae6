import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface Hit {
  at: number
  method: string
  path: string
  headers: IncomingMessage['headers']
}

export interface TestServer {
  url: string
  hits: Hit[]
  close(): Promise<void>
}

/** A throwaway HTTP server on 127.0.0.1 that records every request. */
export async function serve(handler: (req: IncomingMessage, res: ServerResponse, hit: Hit) => void | Promise<void>): Promise<TestServer> {
  const hits: Hit[] = []
  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    const hit = { at: Date.now(), method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers }
    hits.push(hit)
    void Promise.resolve(handler(req, res, hit)).catch((err: unknown) => {
      res.statusCode = 500
      res.end(String(err))
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
