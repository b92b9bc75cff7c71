/**
 * Command lines as a POSIX shell reads them, for tests that run documented commands: words split on
 * blanks, single and double quotes, backslash escapes and line continuations, `#` comments. Enough
 * for the README and the explorer's commands; no expansions ($VAR, globs) and no pipes.
 */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\") {
      const next = line[++i];
      if (next !== "\n" && next !== undefined) {
        word += next;
        inWord = true;
      }
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in ${line}`);
      word += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) word += line[j] === "\\" && /["\\$`]/.test(line[j + 1] ?? "") ? line[++j] : line[j];
      if (j >= line.length) throw new Error(`unterminated " in ${line}`);
      i = j;
      inWord = true;
    } else if (c === "#" && !inWord) {
      while (i < line.length && line[i] !== "\n") i++;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}
