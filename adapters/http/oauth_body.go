package httpapi

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

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

// parseOAuthJSON decodes a JSON object of parameters. Values are strings, or booleans (the seed
// sends auto_signup as true or "true") taken as "true" and "false"; null is an absent parameter.
// Names match exactly, as in a form.
func parseOAuthJSON(body []byte) (url.Values, error) {
	invalid := domain.Invalid(domain.CodeInvalidRequest, "The request body is not a valid JSON object of string parameters.")
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, invalid
	}
	params := url.Values{}
	for name, v := range obj {
		switch v := v.(type) {
		case nil:
		case string:
			params.Set(name, v)
		case bool:
			params.Set(name, strconv.FormatBool(v))
		default:
			return nil, invalid
		}
	}
	return params, nil
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
			return nil, domain.Invalid(domain.CodeInvalidRequest, "The parameter "+name+" is repeated.")
		}
	}
	return form, nil
}
