package output

import (
	"strconv"
	"time"
)

// AppendStrftime appends t formatted with a C strftime format in the C
// locale, as bpftrace's time() and strftime() print. bpftrace adds %f,
// the microseconds as 6 digits. Unknown conversions print as written.
// t's location decides the local time (bpftrace uses localtime_r).
func AppendStrftime(b []byte, format string, t time.Time) []byte {
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b = append(b, c)
			continue
		}
		i++
		// GNU flags and widths are rare in scripts; E and O modifiers
		// change nothing in the C locale.
		if format[i] == 'E' || format[i] == 'O' {
			if i+1 == len(format) {
				b = append(b, '%', format[i])
				continue
			}
			i++
		}
		b = appendStrftimeConv(b, format[i], t)
	}
	return b
}

// Strftime returns AppendStrftime's text as a string.
func Strftime(format string, t time.Time) string {
	return string(AppendStrftime(nil, format, t))
}

var (
	weekdays = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	months   = [...]string{"January", "February", "March", "April", "May", "June", "July",
		"August", "September", "October", "November", "December"}
)

func appendNum(b []byte, v, width int, padc byte) []byte {
	var tmp [20]byte
	d := strconv.AppendInt(tmp[:0], int64(v), 10)
	for n := width - len(d); n > 0; n-- {
		b = append(b, padc)
	}
	return append(b, d...)
}

func appendStrftimeConv(b []byte, c byte, t time.Time) []byte {
	switch c {
	case 'a':
		return append(b, weekdays[t.Weekday()][:3]...)
	case 'A':
		return append(b, weekdays[t.Weekday()]...)
	case 'b', 'h':
		return append(b, months[t.Month()-1][:3]...)
	case 'B':
		return append(b, months[t.Month()-1]...)
	case 'c':
		return AppendStrftime(b, "%a %b %e %H:%M:%S %Y", t)
	case 'C':
		return appendNum(b, t.Year()/100, 2, '0')
	case 'd':
		return appendNum(b, t.Day(), 2, '0')
	case 'D', 'x':
		return AppendStrftime(b, "%m/%d/%y", t)
	case 'e':
		return appendNum(b, t.Day(), 2, ' ')
	case 'f':
		return appendNum(b, t.Nanosecond()/1000, 6, '0')
	case 'F':
		return AppendStrftime(b, "%Y-%m-%d", t)
	case 'g':
		y, _ := t.ISOWeek()
		return appendNum(b, y%100, 2, '0')
	case 'G':
		y, _ := t.ISOWeek()
		return appendNum(b, y, 0, '0')
	case 'H':
		return appendNum(b, t.Hour(), 2, '0')
	case 'I':
		return appendNum(b, hour12(t), 2, '0')
	case 'j':
		return appendNum(b, t.YearDay(), 3, '0')
	case 'k':
		return appendNum(b, t.Hour(), 2, ' ')
	case 'l':
		return appendNum(b, hour12(t), 2, ' ')
	case 'm':
		return appendNum(b, int(t.Month()), 2, '0')
	case 'M':
		return appendNum(b, t.Minute(), 2, '0')
	case 'n':
		return append(b, '\n')
	case 'p':
		if t.Hour() < 12 {
			return append(b, "AM"...)
		}
		return append(b, "PM"...)
	case 'P':
		if t.Hour() < 12 {
			return append(b, "am"...)
		}
		return append(b, "pm"...)
	case 'r':
		return AppendStrftime(b, "%I:%M:%S %p", t)
	case 'R':
		return AppendStrftime(b, "%H:%M", t)
	case 's':
		return strconv.AppendInt(b, t.Unix(), 10)
	case 'S':
		return appendNum(b, t.Second(), 2, '0')
	case 't':
		return append(b, '\t')
	case 'T', 'X':
		return AppendStrftime(b, "%H:%M:%S", t)
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return appendNum(b, wd, 1, '0')
	case 'U':
		return appendNum(b, (t.YearDay()+6-int(t.Weekday()))/7, 2, '0')
	case 'V':
		_, w := t.ISOWeek()
		return appendNum(b, w, 2, '0')
	case 'w':
		return appendNum(b, int(t.Weekday()), 1, '0')
	case 'W':
		return appendNum(b, (t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2, '0')
	case 'y':
		return appendNum(b, t.Year()%100, 2, '0')
	case 'Y':
		return appendNum(b, t.Year(), 0, '0')
	case 'z':
		_, off := t.Zone()
		sign := byte('+')
		if off < 0 {
			sign, off = '-', -off
		}
		b = append(b, sign)
		return appendNum(b, off/3600*100+off%3600/60, 4, '0')
	case 'Z':
		name, _ := t.Zone()
		return append(b, name...)
	case '%':
		return append(b, '%')
	}
	return append(b, '%', c)
}

func hour12(t time.Time) int {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	return h
}
