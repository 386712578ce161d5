// does not compile: a missing semicolon and an undeclared name
			putchar(tolower(byte))
			break;
