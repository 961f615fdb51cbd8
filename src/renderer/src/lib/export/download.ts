/**
 * Saving exports: the browser's download (in Electron the same, through its download handling).
 * PNG and HTML ladders are made here from the SVG the core renders.
 */
import type { ExportFile } from '@shared/api';

export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function saveExport(f: ExportFile): void {
  if (f.base64 !== undefined) {
    const bin = atob(f.base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    saveBlob(new Blob([bytes], { type: f.mime }), f.fileName);
  } else {
    saveBlob(new Blob([f.text ?? ''], { type: `${f.mime};charset=utf-8` }), f.fileName);
  }
}

/** A self-contained HTML page holding the ladder SVG. */
export function ladderHtml(svg: string, title: string): string {
  const esc = title.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${esc}</title>\n<style>body{margin:16px;font-family:system-ui,sans-serif}h1{font-size:16px}</style></head>\n<body><h1>${esc}</h1>\n${svg}\n<p style="color:#667085;font-size:12px">Exported by sipscope.</p></body></html>\n`;
}

/** Rasterizes an SVG document to a PNG blob at 2× scale. */
export async function svgToPng(svg: string): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the ladder SVG could not be rasterized'));
      img.src = url;
    });
    const scale = 2;
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, img.naturalWidth * scale);
    canvas.height = Math.max(1, img.naturalHeight * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
  } finally {
    URL.revokeObjectURL(url);
  }
}
