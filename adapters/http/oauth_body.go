package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gatehouse-iam/gatehouse/core/domain"
)

// maxTokenBody bounds the body of an OAuth endpoint; every request fits in far less.
const maxTokenBody = 16 << 10

const formMediaType = "application/x-www-form-urlencoded"

// readOAuthBody reads the body of an OAuth endpoint, at most maxTokenBody bytes.
func readOAuthBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxTokenBody))
	if err != nil {
		return nil, domain.Invalid(domain.CodeInvalidRequest, "The request body is too large or unreadable.")
	}
	return body, nil
}

// mediaTypeOf is the request's Content-Type without its parameters.
func mediaTypeOf(c *gin.Context) string {
	mediaType, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	return mediaType
}

// readOAuthParams reads the parameters of an OAuth endpoint's body: form-encoded, as the RFCs
// say, or a JSON object, like the rest of the API. Both come out as the same url.Values, so each
// endpoint names its parameters once.
func readOAuthParams(c *gin.Context) (url.Values, error) {
	body, err := readOAuthBody(c)
	if err != nil {
		return nil, err
	}
	return decodeOAuthParams(mediaTypeOf(c), body)
}

func decodeOAuthParams(mediaType string, body []byte) (url.Values, error) {
	switch mediaType {
	case "application/json":
		return parseOAuthJSON(body)
	case formMediaType:
		return parseOAuthForm(body)
	default:
		return nil, domain.Invalid(domain.CodeInvalidRequest, "Content-Type must be application/json or application/x-www-form-urlencoded.")
	}
}

// parseOAuthJSON decodes a JSON object of parameters. Strings are taken as they are, booleans
// (the seed sends auto_signup as true or "true") and numbers as their JSON text; null is an
// absent parameter, and so is an object or an array, which no OAuth parameter is: unrecognised
// parameters are ignored (RFC 6749 §3.1), and a required one given that way is missing. Names
// match exactly, as in a form, and a repeated name is refused as a repeated form parameter is
// (a plain decode into a map would keep the last value without a word).
func parseOAuthJSON(body []byte) (url.Values, error) {
	notObject := domain.Invalid(domain.CodeInvalidRequest, "The request body is not a valid JSON object.")
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, notObject
	}
	params := url.Values{}
	seen, repeated := map[string]bool{}, "" // the first name given twice
	for dec.More() {
		tok, err := dec.Token()
		name, isName := tok.(string)
		var raw json.RawMessage
		if err != nil || !isName || dec.Decode(&raw) != nil {
			return nil, notObject
		}
		if seen[name] && repeated == "" {
			repeated = name
		}
		seen[name] = true
		switch raw[0] {
		case 'n', '{', '[':
		case '"':
			var v string
			_ = json.Unmarshal(raw, &v) // valid: the decoder read it
			params.Set(name, v)
		default: // true, false or a number
			params.Set(name, string(raw))
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, notObject
	}
	if _, err := dec.Token(); err != io.EOF { // nothing may follow the object
		return nil, notObject
	}
	if repeated != "" {
		return nil, repeatedParam(repeated)
	}
	return params, nil
}

func repeatedParam(name string) error {
	return domain.Invalid(domain.CodeInvalidRequest, "The parameter "+name+" is repeated.")
}

// parseOAuthForm decodes a form-encoded body. A repeated parameter is refused (RFC 6749 §3.1):
// which of its values counts would be a guess.
func parseOAuthForm(body []byte) (url.Values, error) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, domain.Invalid(domain.CodeInvalidRequest, "The request body is not valid form encoding.")
	}
	for name, values := range form {
		if len(values) > 1 {
			return nil, repeatedParam(name)
		}
	}
	return form, nil
}
