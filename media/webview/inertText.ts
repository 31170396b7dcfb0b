// Text from a trace as the webview shows it (pure). Control characters and bidirectional
// overrides, which could hide or reorder what a name says, become U+FFFD. Markup needs nothing
// here: trace text only ever reaches textContent and fillText, never HTML.
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function inertText(text: string): string {
  return text.replace(HIDDEN, '\uFFFD');
}
