import { usersContract } from '@basis/contracts';
import { fromContract, viaUsers } from './from-contract.js';

/** Every REST-published procedure of `usersContract`, republished as is. */
export const usersRouter = fromContract(usersContract, viaUsers('users'));
