module libfastclip.dev/go

go 1.19
