import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteLimit, SizeLimitError, readCapped, tagsOfItems } from './bounded';

/** A server whose /endless never ends (1 MiB chunks, as fast as the client reads), counting what it sent. */
describe('capped downloads from a storage node that may lie', () => {
  let server: Server;
  let url: string;
  let sent = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/small') {
        res.end('{"paths":{}}');
        return;
      }
      if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': String(2 ** 40) });
        res.write('x');
        return; // never ends: the declared length alone must refuse it
      }
      const chunk = Buffer.alloc(1024 * 1024, 0x61);
      let open = true;
      res.on('close', () => {
        open = false;
      });
      const pump = (): void => {
        while (open) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((ok) => server.close(() => { ok(); }));
  });

  it('readCapped returns a document within its cap', async () => {
    expect((await readCapped(`${url}/small`, 100, 'the file list')).toString()).toBe('{"paths":{}}');
  });

  it('readCapped stops an endless answer at its cap, and the server stops sending', async () => {
    sent = 0;
    const err = await readCapped(`${url}/endless`, 5 * 1024 * 1024, 'the file list').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SizeLimitError);
    expect((err as Error).message).toBe('the file list is larger than the 5.2 MB (5,242,880 bytes) it can be: the storage node is not serving what was published, so the download was stopped there');
    await new Promise((r) => setTimeout(r, 200));
    const after = sent;
    await new Promise((r) => setTimeout(r, 300));
    expect(sent).toBe(after); // nothing more is sent once the download is aborted
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('readCapped refuses an answer whose declared length is over the cap without reading it', async () => {
    await expect(readCapped(`${url}/declared`, 1000, 'the grant')).rejects.toThrow(/^the grant is 1\.1 TB \(1,099,511,627,776 bytes\), more than the 1\.0 KB \(1,000 bytes\) it can be: the storage node is not serving what was published, so it was not downloaded$/);
  });

  it('a search answer (GraphQL) is capped too', async () => {
    sent = 0;
    await expect(tagsOfItems(url, ['a', 'b'])).rejects.toThrow(/^the storage node’s answer to a search is larger than the 16\.8 MB \(16,777,216 bytes\) it can be/);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('ByteLimit fails the pipeline the moment more bytes pass than allowed, and with exact, when fewer do', async () => {
    const sink = (): Writable => new Writable({ write: (_c, _e, cb) => { cb(); } });
    await expect(pipeline(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), new ByteLimit(1000, 'a.bin'), sink())).rejects.toThrow('a.bin is larger than the 1.0 KB (1,000 bytes) it was published with: the storage node sent more, so the download was stopped there');
    await expect(pipeline(Readable.from([Buffer.alloc(600)]), new ByteLimit(1000, 'a.bin', true), sink())).rejects.toThrow('a.bin ended after 600 bytes, but it was published with 1.0 KB (1,000 bytes): the storage node sent it incomplete');
    await expect(pipeline(Readable.from([Buffer.alloc(600), Buffer.alloc(400)]), new ByteLimit(1000, 'a.bin', true), sink())).resolves.toBeUndefined();
  });
});
