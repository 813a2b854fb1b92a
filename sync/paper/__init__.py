"""Paper both programs print: documents as lines, their A4 PDF with a Chinese font, decision notices.

`document` (the `Document` of `Line`s and its plain text), `fonts` (finding a Chinese font),
`pdf` (layout and rendering), `qr` (the QR code's modules), `decisions` (办结通知书 and
不予受理通知书). The village's own papers (the one-time notice, the receipt) are built in
village_agent/printing.py on the same `Document`.
"""
