package parse

import (
	"math/bits"
	"strings"
)

// durations are the v0.24 time suffixes; the literal becomes nanoseconds.
var durations = map[string]uint64{
	"ns": 1,
	"us": 1e3,
	"ms": 1e6,
	"s":  1e9,
	"m":  60e9,
	"h":  3600e9,
	"d":  86400e9,
}

// parseIntLit decodes an integer literal: decimal with '_' separators,
// hex (0x), octal (leading 0), scientific (1e6, integer only), with C
// suffixes (u, l, ul, ll, ull; ignored) or a duration suffix. It returns a
// message instead of an error so callers attach their own span.
func parseIntLit(text string) (uint64, string) {
	digits, suffix := splitNumber(text)
	mult := uint64(1)
	if suffix != "" {
		if d, ok := durations[suffix]; ok {
			mult = d
		} else if !isCSuffix(suffix) {
			return 0, "invalid integer literal '" + text + "'"
		}
	}
	var v uint64
	var ok bool
	lower := strings.ToLower(digits)
	switch {
	case strings.HasPrefix(lower, "0x"):
		v, ok = parseBase(lower[2:], 16)
	case strings.ContainsAny(lower, "e"):
		i := strings.IndexByte(lower, 'e')
		m, ok1 := parseDec(lower[:i])
		e, ok2 := parseDec(lower[i+1:])
		ok = ok1 && ok2
		if ok {
			v = m
			for ; e > 0 && ok && v != 0; e-- {
				hi, lo := bits.Mul64(v, 10)
				v, ok = lo, hi == 0
			}
		}
	case len(lower) > 1 && lower[0] == '0' && !strings.Contains(lower, "_"):
		v, ok = parseBase(lower[1:], 8)
	default:
		v, ok = parseDec(lower)
	}
	if !ok {
		if validDigits(lower) {
			return 0, "integer literal out of range: " + text
		}
		return 0, "invalid integer literal '" + text + "'"
	}
	hi, lo := bits.Mul64(v, mult)
	if hi != 0 {
		return 0, "integer literal out of range: " + text
	}
	return lo, ""
}

// splitNumber separates the digits from a trailing suffix of letters,
// taking care that hex digits and the exponent 'e' belong to the number.
func splitNumber(text string) (string, string) {
	lower := strings.ToLower(text)
	i := 0
	if strings.HasPrefix(lower, "0x") {
		i = 2
		for i < len(lower) && (isHex(lower[i]) || lower[i] == '_') {
			i++
		}
		return text[:i], text[i:]
	}
	for i < len(lower) && (lower[i] >= '0' && lower[i] <= '9' || lower[i] == '_') {
		i++
	}
	if i < len(lower) && lower[i] == 'e' && i+1 < len(lower) && lower[i+1] >= '0' && lower[i+1] <= '9' {
		i++
		for i < len(lower) && (lower[i] >= '0' && lower[i] <= '9' || lower[i] == '_') {
			i++
		}
	}
	return text[:i], text[i:]
}

func isCSuffix(s string) bool {
	switch strings.ToLower(s) {
	case "u", "l", "ul", "lu", "ll", "ull", "llu":
		return true
	}
	return false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
}

// validDigits tells an overflow from a malformed literal.
func validDigits(s string) bool {
	if strings.HasPrefix(s, "0x") {
		return len(s) > 2 && strings.Trim(s[2:], "0123456789abcdef") == ""
	}
	return s != "" && strings.Trim(s, "0123456789e") == "" && !strings.HasPrefix(s, "0")
}

// parseDec parses decimal digits with '_' allowed between digits.
func parseDec(s string) (uint64, bool) {
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		hi, lo := bits.Mul64(v, 10)
		if hi != 0 {
			return 0, false
		}
		sum, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if carry != 0 {
			return 0, false
		}
		v = sum
	}
	return v, true
}

func parseBase(s string, base uint64) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		var d uint64
		switch {
		case c >= '0' && c <= '9':
			d = uint64(c - '0')
		case c >= 'a' && c <= 'f':
			d = uint64(c-'a') + 10
		default:
			return 0, false
		}
		if d >= base {
			return 0, false
		}
		hi, lo := bits.Mul64(v, base)
		if hi != 0 {
			return 0, false
		}
		v = lo + d
		if v < lo {
			return 0, false
		}
	}
	return v, true
}

// unquote decodes a string literal's body (without quotes): \n \t \r \"
// \\ , octal \0nn (1-3 digits) and hex \xNN (1-2 digits). It returns the
// offset (in body) of a bad escape and a message on error.
func unquote(body string) (string, int, string) {
	if strings.IndexByte(body, '\\') < 0 {
		return body, 0, ""
	}
	var b strings.Builder
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 >= len(body) {
			return "", i, "invalid escape character '\\'"
		}
		e := body[i+1]
		switch {
		case e == 'n':
			b.WriteByte('\n')
			i++
		case e == 't':
			b.WriteByte('\t')
			i++
		case e == 'r':
			b.WriteByte('\r')
			i++
		case e == '"':
			b.WriteByte('"')
			i++
		case e == '\\':
			b.WriteByte('\\')
			i++
		case e >= '0' && e <= '7':
			j := i + 1
			v := 0
			for j < len(body) && j < i+4 && body[j] >= '0' && body[j] <= '7' {
				v = v*8 + int(body[j]-'0')
				j++
			}
			if v > 255 {
				return "", i, "octal escape sequence out of range '" + body[i:j] + "'"
			}
			b.WriteByte(byte(v))
			i = j - 1
		case e == 'x' || e == 'X':
			j := i + 2
			v := 0
			for j < len(body) && j < i+4 && isHex(lowerByte(body[j])) {
				h := lowerByte(body[j])
				if h <= '9' {
					v = v*16 + int(h-'0')
				} else {
					v = v*16 + int(h-'a') + 10
				}
				j++
			}
			if j == i+2 {
				return "", i, "invalid escape character '" + body[i:i+2] + "'"
			}
			b.WriteByte(byte(v))
			i = j - 1
		default:
			end := i + 2
			for end < len(body) && end < i+5 && body[end]&0xc0 == 0x80 {
				end++ // keep a multi-byte character whole in the message
			}
			return "", i, "invalid escape character '" + body[i:end] + "'"
		}
	}
	return b.String(), 0, ""
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
