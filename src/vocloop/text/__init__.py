"""vocloop's text analytics: plain Python with no Django import, testable alone.

- `masking`: personal data (emails, phone, card and identity numbers, IBANs, IP
  addresses, dates of birth) replaced by placeholders, so staff and analysis see what
  customers said, not who they are.
- `sentiment`: a score from −1 to 1 and a label, judged clause by clause (VADER),
  with the words of `lexicon`: vocloop's adjustments and the organisation's vocabulary.
- `tokens`: words, lower-cased and lightly stemmed, shared by themes and similarity.
"""
