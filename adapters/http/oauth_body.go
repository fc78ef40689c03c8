package httpapi

import (
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

// decodeOAuthParams decodes an OAuth endpoint's parameters: JSON into dst, like the rest of the
// API, or form-encoded, as the RFCs say, through fromForm.
func decodeOAuthParams(mediaType string, body []byte, dst any, fromForm func(url.Values) error) error {
	switch mediaType {
	case "application/json":
		if err := json.Unmarshal(body, dst); err != nil {
			return domain.Invalid(domain.CodeInvalidRequest, "The request body is not a valid JSON object of string parameters.")
		}
		return nil
	case formMediaType:
		form, err := parseOAuthForm(body)
		if err != nil {
			return err
		}
		return fromForm(form)
	default:
		return domain.Invalid(domain.CodeInvalidRequest, "Content-Type must be application/json or application/x-www-form-urlencoded.")
	}
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
