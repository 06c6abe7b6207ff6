"""The document library of ansinh: PDF building blocks (``pdf.Document`` with the DejaVu fonts shipped in
``fonts/``), the fast QR drawing (``qr``) and amounts in Vietnamese words (``words``).

It knows no domain: the cards (``cards/pdf.py``), receipts and the handover sheet (``payments/pdf.py``), the
campaign report (``reports/campaign_exports.py``), the coverage report (``reports/exports.py``) and the walk lists
(``outreach/pdf.py``) are drawn with it. It stands on the ground floor beside ``core`` (ADR 0020).
"""
