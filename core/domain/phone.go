package domain

import "strings"

// NormalizePhone turns a phone number into E.164. An 11-digit Chinese mainland mobile number
// (1[3-9]xxxxxxxxx) gains +86; a number already in E.164 (+ and 8 to 15 digits, first digit not
// 0) is kept. Spaces, dashes, dots and parentheses between digits are ignored. Anything else,
// including letters, is refused with malformed_phone_number.
func NormalizePhone(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	var b strings.Builder
	b.Grow(len(s))
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", ErrMalformedPhone
		}
	}
	n := b.String()
	if strings.HasPrefix(n, "+") {
		digits := n[1:]
		if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
			return "", ErrMalformedPhone
		}
		if strings.HasPrefix(digits, "86") && len(digits) == 13 && !isMainlandMobile(digits[2:]) {
			return "", ErrMalformedPhone
		}
		return n, nil
	}
	if isMainlandMobile(n) {
		return "+86" + n, nil
	}
	return "", ErrMalformedPhone
}

func isMainlandMobile(n string) bool {
	if len(n) != 11 || n[0] != '1' || n[1] < '3' || n[1] > '9' {
		return false
	}
	for i := 0; i < len(n); i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
	}
	return true
}

// ErrMalformedPhone is the seed's malformed_phone_number.
var ErrMalformedPhone = &Error{Kind: KindInvalid, Code: "malformed_phone_number", Description: "The phone number must be an 11-digit Chinese mainland mobile number or E.164 (+CC...)."}
