package sessiontest

import (
	"bytes"
	"fmt"
)

// MixedChat is about 1 MiB of chat input as telnet users send it: ASCII and
// Chinese lines, CRLF and LF terminators, a telnet negotiation now and then.
func MixedChat() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 1<<20; i++ {
		switch i % 8 {
		case 0:
			b.WriteString("\xff\xfd\x06")
		case 3:
			fmt.Fprintf(&b, "你好，今天的茶怎么样？第%d杯\r\n", i)
			continue
		}
		fmt.Fprintf(&b, "hello everyone, this is line %d of the tea party chat\r\n", i)
	}
	return b.Bytes()
}
