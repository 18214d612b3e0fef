// A minimal PDF writer: one page with a full-page JPEG and a few lines of text in the standard
// Helvetica fonts (uncompressed, so the text can be found and extracted).

const WIN_ANSI_EXTRA = { '€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97, '−': 0x2d };

/** Encodes text as a PDF literal string in WinAnsiEncoding. */
function pdfString(text) {
  let out = '(';
  for (const ch of String(text)) {
    let code = WIN_ANSI_EXTRA[ch] ?? ch.codePointAt(0);
    if (code > 255) code = 0x3f;
    if (ch === '(' || ch === ')' || ch === '\\') out += '\\';
    out += String.fromCharCode(code);
  }
  return `${out})`;
}

function latin1(s) {
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
  return bytes;
}

/**
 * Builds a one-page PDF. `page` = {width, height} in points; `jpeg` = {bytes, width, height}
 * drawn over the whole page; `texts` = [{text, x, y, size, bold}] in points from the bottom left;
 * `title` goes into the document information too.
 */
export function buildPdf({ page, jpeg, texts, title }) {
  const content = [`q ${page.width} 0 0 ${page.height} 0 0 cm /Im1 Do Q`];
  for (const tx of texts) {
    content.push(`BT /${tx.bold ? 'F2' : 'F1'} ${tx.size} Tf 0.106 0.149 0.192 rg ${tx.x.toFixed(2)} ${tx.y.toFixed(2)} Td ${pdfString(tx.text)} Tj ET`);
  }
  const stream = content.join('\n');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${page.width} ${page.height}] /Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R /F2 7 0 R >> >> /Contents 4 0 R >>`,
    `<< /Length ${latin1(stream).length} >>\nstream\n${stream}\nendstream`,
    { head: `<< /Type /XObject /Subtype /Image /Width ${jpeg.width} /Height ${jpeg.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length ${jpeg.bytes.length} >>\nstream\n`, bytes: jpeg.bytes, tail: '\nendstream' },
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>',
    `<< /Title ${pdfString(title)} /Producer (Kartrummet) /CreationDate (D:${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z) >>`,
  ];
  const parts = [latin1('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n')];
  let length = parts[0].length;
  const offsets = [];
  objects.forEach((obj, i) => {
    offsets.push(length);
    const pieces = typeof obj === 'string'
      ? [latin1(`${i + 1} 0 obj\n${obj}\nendobj\n`)]
      : [latin1(`${i + 1} 0 obj\n${obj.head}`), obj.bytes, latin1(`${obj.tail}\nendobj\n`)];
    for (const p of pieces) {
      parts.push(p);
      length += p.length;
    }
  });
  const xref = [`xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`];
  for (const o of offsets) xref.push(`${String(o).padStart(10, '0')} 00000 n \n`);
  xref.push(`trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info ${objects.length} 0 R >>\nstartxref\n${length}\n%%EOF\n`);
  parts.push(latin1(xref.join('')));
  return new Blob(parts, { type: 'application/pdf' });
}
