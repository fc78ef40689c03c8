package domain

import (
	"bytes"
	"time"
)

// Image is an uploaded logo or icon. Its content type comes from its bytes, never its name.
type Image struct {
	ID          string
	PoolID      string
	ContentType string
	Data        []byte
	CreatedAt   time.Time
}

// MaxImageBytes is the guide's limit for logos and icons: 1 MiB.
const MaxImageBytes = 1 << 20

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
)

// SniffImage checks that data is a PNG or JPEG within the size limit and returns its content
// type. field names the request field in the error.
func SniffImage(field string, data []byte) (string, error) {
	switch {
	case len(data) == 0:
		return "", InvalidField(field, "is empty")
	case len(data) > MaxImageBytes:
		return "", InvalidField(field, "must be at most 1 MiB")
	case bytes.HasPrefix(data, pngMagic):
		return "image/png", nil
	case bytes.HasPrefix(data, jpegMagic):
		return "image/jpeg", nil
	default:
		return "", InvalidField(field, "must be a PNG or JPEG image")
	}
}
