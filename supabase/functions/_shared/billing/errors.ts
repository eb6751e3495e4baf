// The billing API's recurring refusals, as the one HttpError (../errors.ts) every function answers with.
import { HttpError } from '../errors.ts'

export const notFound = () => new HttpError(404, 'not_found', 'Organization not found, or you are not a member of it.')
export const adminsOnly = () => new HttpError(403, 'admins_only', 'Only an admin of this organization can change its billing.')
