// A minimal, valid PDF 1.4 document: one A4 page of Helvetica text lines, written by hand (catalog,
// pages, page, font, content stream, cross-reference table with exact byte offsets, trailer), so the
// emulator's `invoice_pdf` links download a real PDF without a dependency. Text is Latin-1 (WinAnsi);
// other characters become '?'.

const A4 = { width: 595, height: 842 }

export interface PdfLine { text: string; size?: number; bold?: boolean }

/** PDF string literal: backslash, parentheses escaped; outside Latin-1 replaced. */
function literal(s: string): string {
  const latin = [...s].map((c) => (c.charCodeAt(0) < 32 || c.charCodeAt(0) > 255 ? '?' : c)).join('')
  return `(${latin.replace(/[\\()]/g, (c) => `\\${c}`)})`
}

function contentStream(lines: PdfLine[]): string {
  let y = A4.height - 64
  const ops = ['BT']
  for (const line of lines) {
    const size = line.size ?? 11
    y -= Math.round(size * 1.6)
    ops.push(`/${line.bold ? 'F2' : 'F1'} ${size} Tf`, `1 0 0 1 56 ${y} Tm`, `${literal(line.text)} Tj`)
  }
  ops.push('ET')
  return ops.join('\n')
}

/** The PDF's bytes. */
export function renderPdf(title: string, lines: PdfLine[]): Buffer {
  const stream = contentStream(lines)
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${A4.width} ${A4.height}] /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    `<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`,
    `<< /Title ${literal(title)} /Producer (Stripe emulator, development only) >>`,
  ]
  let out = '%PDF-1.4\n%\xE2\xE3\xCF\xD3\n'
  const offsets: number[] = []
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'))
    out += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = Buffer.byteLength(out, 'latin1')
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(out, 'latin1')
}
