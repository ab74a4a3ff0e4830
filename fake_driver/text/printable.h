// Text that came from a trace, a machine description or the command line, made
// safe to print on a terminal: `fakedrv show`, diagnostics and `fakedrv diff` print
// paths, provenance, file contents and JSON values someone else wrote, and a
// terminal obeys the control bytes in them. An escape sequence (ESC, or a C1
// control such as U+009B CSI) can erase or overwrite a line, and a bidi control
// (U+202E RIGHT-TO-LEFT OVERRIDE) reorders what follows, so a crafted trace could
// hide its own `/etc/passwd` entry from the reviewer `fakedrv show` is for.
//
// Everything below is written visibly instead, and all other text (printable
// ASCII, and any other valid UTF-8) as it is:
// - C0 controls and DEL: \n, \r, \t, else \xNN (\x1b for ESC);
// - C1 controls U+0080..U+009F: \u0080..\u009f;
// - bidi controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the
//   other invisible format characters and separators that can make text look
//   other than it is (U+180E, U+200B..U+200D, U+2028, U+2029, U+2060..U+2065,
//   U+206A..U+206F, U+FEFF, U+FFF9..U+FFFB): \uXXXX;
// - bytes that are not UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
//   above U+10FFFF): each \xNN.
#ifndef NVPROBE_FAKE_DRIVER_TEXT_PRINTABLE_H_
#define NVPROBE_FAKE_DRIVER_TEXT_PRINTABLE_H_

#include <string>
#include <string_view>

namespace nvprobe::fakedrv {

// `s` with the characters above escaped; a backslash stays as it is, so text that
// is escaped already (a message quoting `\x1b`) is not escaped twice.
std::string Printable(std::string_view s);

// `s` between double quotes, escaped as Printable does and with `"` and `\`
// escaped too (\" and \\), so the quoted text reads back unambiguously.
std::string Quoted(std::string_view s);

// Whether Printable would change nothing in `s`.
bool IsPrintable(std::string_view s);

}  // namespace nvprobe::fakedrv

#endif  // NVPROBE_FAKE_DRIVER_TEXT_PRINTABLE_H_
