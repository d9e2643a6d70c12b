"""Who actually came (issue 10): check-in by personal QR, room QR, online button, by hand."""
