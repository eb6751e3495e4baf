// Testing Library's findBy* and waitFor give up after 1 s by default, which a loaded machine's render can
// exceed. A wait that succeeds still returns at once; only a failing one takes longer to report.
import { configure } from '@testing-library/react'

configure({ asyncUtilTimeout: 15_000 })
