package tencentfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SignedRequest is what TC3-HMAC-SHA256 covers in an API 3.0 request. There is no path: API
// 3.0 always signs "/" as the canonical URI.
type SignedRequest struct {
	Method string
	Query  string
	// Headers holds the request headers by lower-case name; "host" must be present.
	Headers       map[string]string
	Payload       []byte
	Authorization string
	// Timestamp is the X-TC-Timestamp header's value.
	Timestamp string
}

// APIError is an error in Tencent's response shape.
type APIError struct {
	Code    string
	Message string
}

func (e *APIError) Error() string { return e.Code + ": " + e.Message }

const algorithm = "TC3-HMAC-SHA256"

// maxSkew is how far X-TC-Timestamp may be from the server clock, as Tencent documents.
const maxSkew = 5 * time.Minute

// Verify checks r's TC3-HMAC-SHA256 signature as Tencent does: it parses the Authorization
// header, finds the SecretKey for its SecretId through keys, recomputes the canonical request,
// string to sign and signature, and compares. It returns the SecretId and service from the
// credential scope. now is the server clock, for the timestamp freshness check.
func Verify(r SignedRequest, keys map[string]string, now time.Time) (secretID, service string, err *APIError) {
	auth := r.Authorization
	if !strings.HasPrefix(auth, algorithm+" ") {
		return "", "", &APIError{"AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256"}
	}
	fields := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(auth, algorithm+" "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return "", "", &APIError{"AuthFailure.InvalidAuthorization", "malformed Authorization"}
		}
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 4 || scope[3] != "tc3_request" || fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return "", "", &APIError{"AuthFailure.InvalidAuthorization", "malformed Authorization"}
	}
	secretID, date, service := scope[0], scope[1], scope[2]

	ts, perr := strconv.ParseInt(r.Timestamp, 10, 64)
	if perr != nil {
		return "", "", &APIError{"AuthFailure.InvalidAuthorization", "X-TC-Timestamp is not a number"}
	}
	t := time.Unix(ts, 0).UTC()
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return "", "", &APIError{"AuthFailure.SignatureExpire", "signature expired"}
	}
	if t.Format("2006-01-02") != date {
		return "", "", &APIError{"AuthFailure.SignatureFailure", "credential date does not match X-TC-Timestamp"}
	}

	secretKey, ok := keys[secretID]
	if !ok {
		return "", "", &APIError{"AuthFailure.SecretIdNotFound", "the SecretId is not found"}
	}

	signedHeaders := strings.Split(fields["SignedHeaders"], ";")
	if !slices.Contains(signedHeaders, "host") || !slices.Contains(signedHeaders, "content-type") {
		return "", "", &APIError{"AuthFailure.InvalidAuthorization", "content-type and host must be signed"}
	}
	var canonicalHeaders strings.Builder
	for _, h := range signedHeaders {
		fmt.Fprintf(&canonicalHeaders, "%s:%s\n", h, strings.TrimSpace(r.Headers[h]))
	}
	want := Sign(secretKey, service, ts, r.Method, r.Query, canonicalHeaders.String(), fields["SignedHeaders"], r.Payload)
	if subtle.ConstantTimeCompare([]byte(want), []byte(fields["Signature"])) != 1 {
		return "", "", &APIError{"AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct."}
	}
	return secretID, service, nil
}

// Sign computes a TC3-HMAC-SHA256 signature (hex) from the canonical parts of a request.
// canonicalHeaders is the "name:value\n" block for signedHeaders, names lower case and sorted.
func Sign(secretKey, service string, timestamp int64, method, query, canonicalHeaders, signedHeaders string, payload []byte) string {
	canonicalRequest := strings.Join([]string{
		method, "/", query, canonicalHeaders, signedHeaders, sha256Hex(payload),
	}, "\n")
	date := time.Unix(timestamp, 0).UTC().Format("2006-01-02")
	stringToSign := strings.Join([]string{
		algorithm,
		strconv.FormatInt(timestamp, 10),
		date + "/" + service + "/tc3_request",
		sha256Hex([]byte(canonicalRequest)),
	}, "\n")
	k := hmacSHA256([]byte("TC3"+secretKey), date)
	k = hmacSHA256(k, service)
	k = hmacSHA256(k, "tc3_request")
	return hex.EncodeToString(hmacSHA256(k, stringToSign))
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
